using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace SupportCommunity.Benchmarks.Hosting;

/// <summary>The load generator: the official SignalR .NET client, over WebSockets, as the customer widget connects.</summary>
public static class HubClients
{
    public static HubConnection Build(Uri hubUrl, string? token) =>
        new HubConnectionBuilder()
            .WithUrl(hubUrl, HttpTransportType.WebSockets, options =>
            {
                // WebSockets only, so the negotiate round trip tells us nothing; skipping it halves connection set-up.
                options.SkipNegotiation = true;
                if (token is not null)
                {
                    options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();

    /// <summary>
    /// Creates, starts and prepares (<paramref name="prepare"/>: join the room) <paramref name="count"/> connections,
    /// a few at a time. Connections that fail are disposed and counted, not thrown.
    /// </summary>
    public static async Task<ConnectResult> ConnectManyAsync(
        int count,
        Func<int, Task<HubConnection>> create,
        Func<HubConnection, int, Task> prepare,
        CancellationToken cancellationToken,
        int parallelism = 16)
    {
        var connections = new ConcurrentBag<HubConnection>();
        var failures = 0;
        string? firstError = null;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                HubConnection? connection = null;
                try
                {
                    connection = await create(i);
                    await connection.StartAsync(ct);
                    await prepare(connection, i);
                    connections.Add(connection);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                    }
                }
            });
        return new ConnectResult([.. connections], failures, firstError);
    }

    /// <summary>Closes connections a few at a time; a close that fails is of no interest to a measurement.</summary>
    public static Task DisposeAllAsync(IEnumerable<HubConnection> connections) =>
        Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, _) =>
        {
            try
            {
                await c.DisposeAsync();
            }
            catch (Exception)
            {
                // Best effort: the server notices the closed socket either way.
            }
        });
}

public sealed record ConnectResult(IReadOnlyList<HubConnection> Connections, int Failures, string? FirstError);
