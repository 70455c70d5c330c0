using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>The parent's handle on a running <see cref="IdleAgent"/> process.</summary>
public sealed class IdleAgentProcess : IAsyncDisposable
{
    private readonly Process _process;

    private IdleAgentProcess(Process process) => _process = process;

    public static async Task<IdleAgentProcess> StartAsync(IdleAgentSetup setup)
    {
        // This very program, started again through the dotnet host: works from `dotnet run` and from a test runner
        // (which copies the program, its deps and runtimeconfig next to the tests) alike.
        var dll = typeof(IdleAgent).Assembly.Location;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", dll, IdleAgent.Command })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The idle agent did not start.");
        await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(setup, JsonSerializerOptions.Web));
        await process.StandardInput.FlushAsync();
        return new IdleAgentProcess(process);
    }

    /// <summary>Opens <paramref name="count"/> more joined connections; returns how many succeeded.</summary>
    public async Task<int> OpenAsync(int count, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"open {count}"));
        await _process.StandardInput.FlushAsync(cancellationToken);
        var reply = await _process.StandardOutput.ReadLineAsync(cancellationToken)
            ?? throw new InvalidOperationException("The idle agent exited.");
        var words = reply.Split(' ', 4);
        var failed = int.Parse(words[2], CultureInfo.InvariantCulture);
        return failed == 0
            ? int.Parse(words[1], CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"The idle agent could not open {failed} of {count} connections: {(words.Length > 3 ? words[3] : "")}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("close");
            await _process.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
