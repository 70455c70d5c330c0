using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SupportCommunity.Testing;

/// <summary>
/// A throwaway redis-server child process on a free loopback port, for tests that stop and restart Redis. It can be
/// stopped and started again on the same port (empty each time: no persistence). Dispose kills it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private Process? _process;

    private RedisServer(int port)
    {
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string, <c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts redis-server on a free loopback port and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        // A port found free may be taken before redis binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort());
            try
            {
                await server.StartAsync(StartTimeout);
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts it again on the same port, after <see cref="StopAsync"/>.</summary>
    public Task RestartAsync() => StartAsync(StartTimeout);

    /// <summary>Stops it at once (SHUTDOWN NOSAVE, then kill if it lingers) and waits for the process to exit.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        try
        {
            await SendCommandAsync("SHUTDOWN NOSAVE", TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or OperationCanceledException)
        {
            // Shutting down closes the connection without a reply; a failure here is covered by the kill below.
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>True when the server answers PING now.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            return (await SendCommandAsync("PING", TimeSpan.FromSeconds(1))).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or SocketException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }

    private async Task StartAsync(TimeSpan timeout)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server is already running on port {Port}.");
        }

        _process?.Dispose();
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            // redis-server logs this line (at the notice level) once it listens.
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited."));
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException(
                "redis-server was not found. Install it (apt-get install redis-server) or run the tests with tests/run.sh.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        try
        {
            await ready.Task.WaitAsync(timeout);
            if (!await PingAsync())
            {
                throw new InvalidOperationException("redis-server said it was ready but did not answer PING.");
            }
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            string log;
            lock (output)
            {
                log = output.ToString();
            }

            await DisposeAsync();
            throw new InvalidOperationException($"redis-server did not start on port {Port} ({ex.Message}): {log}", ex);
        }
    }

    private async Task<string> SendCommandAsync(string command, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cts.Token);
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
