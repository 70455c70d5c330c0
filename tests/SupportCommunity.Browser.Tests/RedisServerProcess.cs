using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SupportCommunity.Browser.Tests;

/// <summary>
/// A throwaway redis-server owned by one fixture, on a free loopback port, so a test can stop it and start it again
/// on the same port (the apps keep their connection string). No persistence: a restart comes back empty, as after a
/// real crash. Disposing kills it.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _logFile;
    private Process? _process;

    private RedisServerProcess(int port, string logFile)
    {
        Port = port;
        _logFile = logFile;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string: <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts redis-server on a free loopback port (trying another port if one was taken meanwhile).</summary>
    public static async Task<RedisServerProcess> StartAsync(string logFolder)
    {
        Directory.CreateDirectory(logFolder);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var redis = new RedisServerProcess(port, Path.Combine(logFolder, $"redis-{port}.log"));
            try
            {
                await redis.StartAsync();
                return redis;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await redis.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> and returns once it answers PING.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"redis-server is already running on port {Port}.");
        }

        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", _logFile,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await PingAsync())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"redis-server exited with code {_process.ExitCode} on port {Port}: {TailOfLog()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server did not answer on port {Port} within {StartTimeout}: {TailOfLog()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Stops the server at once (SIGKILL, as a crash would) and waits until it is gone and the port is closed.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
        _process = null;
        if (await PingAsync())
        {
            throw new InvalidOperationException($"Something still answers on port {Port} after redis-server was stopped.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Disposal is best effort.
        }
    }

    /// <summary>True when a Redis server answers PING on the port.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private string TailOfLog()
    {
        try
        {
            return string.Join(" | ", File.ReadLines(_logFile).TakeLast(5));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
