using SupportCommunity.Benchmarks.Hosting;
using SupportCommunity.Benchmarks.Reporting;

namespace SupportCommunity.Benchmarks;

/// <summary>
/// The performance suite of issue 4 / design.md §6: every figure beside a baseline measured in the same run.
///   dotnet run -c Release --project tests/SupportCommunity.Benchmarks [-- --scenario fan-out] [-- --smoke]
/// Exit code: 0 when every scenario ran (met or missed targets alike: they are reported, not asserted), 1 when one
/// failed to run, 2 on bad arguments.
/// </summary>
public static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == IdleAgent.Command)
        {
            return await IdleAgent.RunAsync(Console.In, Console.Out);
        }

        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(SuiteOptions.Usage);
            return 0;
        }

        SuiteOptions options;
        try
        {
            options = SuiteOptions.Parse(args);
            Suite.Select(options.Scenarios);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        if (options.ListOnly)
        {
            foreach (var scenario in Suite.All)
            {
                Console.WriteLine($"{scenario.Name,-14} {scenario.Title}");
            }

            return 0;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var report = await Suite.RunAsync(options, cancel.Token);
        ReportWriter.PrintTable(report, Console.Out);
        var (json, markdown) = await ReportWriter.WriteFilesAsync(report, options.OutputFolder);
        Console.WriteLine();
        Console.WriteLine($"Suite ran in {report.Seconds:0} s. Results: {markdown} and {json}");
        var missed = report.Missed.Count();
        Console.WriteLine(missed == 0 ? "Every target met." : $"{missed} target(s) missed: see the table above and docs/performance.md.");
        return report.AllRan ? 0 : 1;
    }
}
