using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SupportCommunity.Benchmarks.Reporting;

/// <summary>Writes a run as a console table, Markdown (pasted into docs/performance.md) and JSON (for tooling).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes results.json and results.md into the folder and returns their paths.</summary>
    public static async Task<(string Json, string Markdown)> WriteFilesAsync(SuiteReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, "results.json");
        var markdown = Path.Combine(folder, "results.md");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, Json));
        await File.WriteAllTextAsync(markdown, Markdown(report));
        return (json, markdown);
    }

    public static string Markdown(SuiteReport report)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        md.AppendLine(Inv($"Run {report.StartedAt:yyyy-MM-dd HH:mm} UTC{(report.Smoke ? " (SMOKE sizes: figures are meaningless)" : report.Sizes == "long" ? " (LONG sizes: fan-out and flood-abuse five times as long)" : "")}, {report.Seconds:0} s in all."));
        md.AppendLine(Inv($"Machine: {m.LogicalCores} logical cores, {m.Cpu}, {m.Memory}, {m.Os}, {m.Runtime}, {m.GarbageCollector} GC{(m.Commit is null ? "" : $", commit {m.Commit}")}."));
        md.AppendLine();
        md.AppendLine("| Scenario | Figure | App | Baseline (same run) | Baseline | Ratio |");
        md.AppendLine("|---|---|---:|---|---:|---:|");
        foreach (var scenario in report.Scenarios)
        {
            if (scenario.Error is not null)
            {
                md.AppendLine(Inv($"| {scenario.Name} | **failed:** {Escape(scenario.Error)} | | | | |"));
            }

            foreach (var f in scenario.Figures)
            {
                md.AppendLine(Inv($"| {scenario.Name} | {Escape(f.Metric)} | {Format(f.App, f.Unit)} | {Escape(f.BaselineName ?? "–")} | {(f.Baseline is { } b ? Format(b, f.Unit) : "–")} | {FormatRatio(f.Ratio)} |"));
            }
        }

        md.AppendLine();
        md.AppendLine("| Scenario | Target | Measured | Met |");
        md.AppendLine("|---|---|---|---|");
        foreach (var scenario in report.Scenarios)
        {
            foreach (var t in scenario.Targets)
            {
                md.AppendLine(Inv($"| {scenario.Name} | {Escape(t.Target)} | {Escape(t.Measured)} | {(t.Met ? "yes" : "**no**")} |"));
            }
        }

        foreach (var scenario in report.Scenarios.Where(s => s.Notes.Count > 0))
        {
            md.AppendLine();
            md.AppendLine(Inv($"{scenario.Name} ({scenario.Seconds:0} s):"));
            foreach (var note in scenario.Notes)
            {
                md.AppendLine("- " + note);
            }
        }

        return md.ToString();
    }

    public static void PrintTable(SuiteReport report, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine(Inv($"{"Scenario",-13} {"Figure",-44} {"App",14} {"Baseline",-34} {"Value",14} {"Ratio",8}"));
        output.WriteLine(new string('-', 132));
        foreach (var scenario in report.Scenarios)
        {
            if (scenario.Error is not null)
            {
                output.WriteLine(Inv($"{scenario.Name,-13} FAILED: {scenario.Error}"));
            }

            foreach (var f in scenario.Figures)
            {
                output.WriteLine(Inv($"{scenario.Name,-13} {Clip(f.Metric, 44),-44} {Format(f.App, f.Unit),14} {Clip(f.BaselineName ?? "-", 34),-34} {(f.Baseline is { } b ? Format(b, f.Unit) : "-"),14} {FormatRatio(f.Ratio),8}"));
            }
        }

        output.WriteLine();
        foreach (var scenario in report.Scenarios)
        {
            foreach (var t in scenario.Targets)
            {
                output.WriteLine(Inv($"{(t.Met ? "MET   " : "MISSED")} {scenario.Name,-13} {t.Target}: {t.Measured}"));
            }
        }
    }

    public static string Format(double value, string unit) => unit switch
    {
        "ms" => Inv($"{value:0.00} ms"),
        "/s" => Inv($"{value:#,0} /s"),
        "B" => Inv($"{value:#,0} B"),
        "KiB" => Inv($"{value:#,0.0} KiB"),
        "x" => Inv($"{value:0.00}x"),
        _ => Inv($"{value:#,0.##} {unit}").TrimEnd(),
    };

    private static string FormatRatio(double? ratio) => ratio is { } r ? Inv($"{r:0.00}x") : "–";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
