using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Demo;
using SupportCommunity.Messages;

namespace SupportCommunity.ClusterCheck;

/// <summary>
/// The benchmark's two hub figures measured from another process against a running app (issue 4: an independent load
/// client should agree with the suite): durable sends/s with 16 senders each awaiting its ack, and the delivery
/// latency from one sender at a fixed 20 msg/s to N room members, timed from each message's intended send time.
/// The app must be started with the flood limits lifted, as the benchmark's app is (README, "Performance").
/// </summary>
public static class LoadCheck
{
    private const int Senders = 16;
    private const double FanOutRate = 20;
    private const int BodySize = 160;

    public static async Task<int> RunAsync(CheckOptions options, TextWriter output)
    {
        using var http = new HttpClient { BaseAddress = options.Url };
        // The benchmark's senders: the demo accounts in their order, so staff and members send in the same mix.
        var tokens = new Dictionary<string, string>();
        foreach (var account in DemoCommunity.Accounts)
        {
            tokens[account.Email] = await ConsistencyCheck.LoginAsync(http, account.Email, options.Password);
        }

        string Token(int i) => tokens[DemoCommunity.Accounts[i % DemoCommunity.Accounts.Count].Email];

        var sends = await MeasureSendsAsync(options, Token, output);
        var fanOut = await MeasureFanOutAsync(options, Token, output);
        return sends && fanOut ? 0 : 1;
    }

    private static async Task<bool> MeasureSendsAsync(CheckOptions options, Func<int, string> token, TextWriter output)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, Senders).Select(i => ConnectAsync(options.Url, token(i))));
        try
        {
            var sent = 0L;
            async Task<(int Acks, int Errors, List<double> Latencies)> RunAsync(TimeSpan duration)
            {
                var acks = 0;
                var errors = 0;
                var latencies = new ConcurrentBag<double>();
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(connections.Select(async connection =>
                {
                    while (clock.Elapsed < duration)
                    {
                        var at = Stopwatch.GetTimestamp();
                        try
                        {
                            await connection.InvokeAsync<MessageDto>("SendMessage", options.Room, Guid.NewGuid(), Body("send", Interlocked.Increment(ref sent)));
                            latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                            Interlocked.Increment(ref acks);
                        }
                        catch (HubException)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                }));
                return (acks, errors, [.. latencies]);
            }

            // The same warm-up length as the measured run, so the app's hot paths are compiled before it counts.
            await RunAsync(options.Duration);
            var started = Stopwatch.StartNew();
            var (acks, errors, latencies) = await RunAsync(options.Duration);
            var seconds = started.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"durable sends, {Senders} senders awaiting acks: {acks / seconds:0}/s ({acks} in {seconds:0.0} s), {errors} errors; " +
                $"ack p50 {Percentile(latencies, 0.50):0.00} ms, p99 {Percentile(latencies, 0.99):0.00} ms"));
            return errors == 0 && acks > 0;
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task<bool> MeasureFanOutAsync(CheckOptions options, Func<int, string> token, TextWriter output)
    {
        var members = new List<HubConnection>();
        var latencies = new ConcurrentBag<double>();
        var measuring = false;
        var delivered = 0;
        var expected = int.MaxValue;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            for (var i = 0; i < options.Clients; i++)
            {
                var member = await ConnectAsync(options.Url, token(i));
                member.On<MessageDto>("MessageReceived", message =>
                {
                    if (TryReadIntended(message.Body, out var intended) && Volatile.Read(ref measuring))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(intended).TotalMilliseconds);
                        if (Interlocked.Increment(ref delivered) >= Volatile.Read(ref expected))
                        {
                            all.TrySetResult();
                        }
                    }
                });
                await member.InvokeAsync<FollowingClient.JoinResult>("JoinRoom", options.Room, 0L);
                members.Add(member);
            }

            // The sender is staff (the manager): not paced, as in the benchmark.
            await using var sender = await ConnectAsync(options.Url, token(1));
            async Task<int> SendAtFixedRateAsync(TimeSpan duration)
            {
                var interval = Stopwatch.Frequency / FanOutRate;
                var start = Stopwatch.GetTimestamp();
                var count = (int)(duration.TotalSeconds * FanOutRate);
                for (var i = 0; i < count; i++)
                {
                    // Each message's intended time is fixed in advance: a slow ack delays the sends after it, and
                    // that delay counts in their latency (no coordinated omission).
                    var intended = start + (long)(i * interval);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    await sender.InvokeAsync<MessageDto>("SendMessage", options.Room, Guid.NewGuid(), Body("fan-out", intended));
                }

                return count;
            }

            await SendAtFixedRateAsync(options.Duration);
            Volatile.Write(ref measuring, true);
            var sent = await SendAtFixedRateAsync(options.Duration);
            Volatile.Write(ref expected, sent * members.Count);
            if (Volatile.Read(ref delivered) >= expected)
            {
                all.TrySetResult();
            }

            // The last deliveries are on their way; a few seconds is plenty, and what never came is reported.
            try
            {
                await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
            }
            var measured = latencies.ToList();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fan-out, 1 sender at {FanOutRate:0} msg/s to {members.Count} members: {measured.Count} of {expected} delivered; " +
                $"p50 {Percentile(measured, 0.50):0.00} ms, p99 {Percentile(measured, 0.99):0.00} ms, max {Percentile(measured, 1):0.00} ms"));
            return measured.Count == expected;
        }
        finally
        {
            await Task.WhenAll(members.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task<HubConnection> ConnectAsync(Uri url, string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(url, "hubs/community"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>A body of the benchmark's size carrying a run name and a Stopwatch timestamp (or a counter).</summary>
    private static string Body(string run, long stamp)
    {
        var head = string.Create(CultureInfo.InvariantCulture, $"{run}:{stamp}:");
        return head.Length >= BodySize ? head : head + new string('x', BodySize - head.Length);
    }

    private static bool TryReadIntended(string? body, out long intended)
    {
        intended = 0;
        var parts = body?.Split(':', 3);
        return parts is ["fan-out", var stamp, _] && long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out intended);
    }

    private static double Percentile(List<double> values, double quantile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(values.Count * quantile) - 1, 0, values.Count - 1)];
    }
}
