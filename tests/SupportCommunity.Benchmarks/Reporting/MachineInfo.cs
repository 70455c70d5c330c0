using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace SupportCommunity.Benchmarks.Reporting;

/// <summary>The machine a run happened on: ratios travel between machines, absolute figures do not.</summary>
public sealed record MachineInfo(
    int LogicalCores, string Cpu, string Memory, string Os, string Runtime, string GarbageCollector, string? Commit)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        FirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        FirstValue("/proc/meminfo", "MemTotal") is { } kb ? FormatKilobytes(kb) : "unknown",
        OsName(),
        RuntimeInformation.FrameworkDescription,
        (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : ", concurrent"),
        GitCommit());

    private static string? FirstValue(string file, string key, char separator = ':')
    {
        try
        {
            return File.ReadLines(file)
                .Where(l => l.StartsWith(key, StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(separator, StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string FormatKilobytes(string value)
    {
        var digits = new string(value.TakeWhile(char.IsDigit).ToArray());
        return long.TryParse(digits, out var kb) ? $"{kb / 1024.0 / 1024.0:0.0} GiB" : value;
    }

    private static string OsName()
    {
        var pretty = FirstValue("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"');
        return pretty is null ? RuntimeInformation.OSDescription : $"{pretty}, kernel {Environment.OSVersion.Version}";
    }

    private static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }

            var output = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(5_000) && git.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
