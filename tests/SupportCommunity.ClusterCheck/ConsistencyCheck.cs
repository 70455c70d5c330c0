using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using SupportCommunity.Messages;

namespace SupportCommunity.ClusterCheck;

/// <summary>Runs the clients, then compares what each one holds with the database.</summary>
public static class ConsistencyCheck
{
    public static async Task<CheckReport> RunAsync(CheckOptions options)
    {
        using var http = new HttpClient { BaseAddress = options.Url };
        var accounts = CheckOptions.Senders.Concat(CheckOptions.Readers).ToArray();
        var clients = new List<FollowingClient>();
        for (var i = 0; i < options.Clients; i++)
        {
            var email = accounts[i % accounts.Length];
            var token = await LoginAsync(http, email, options.Password);
            clients.Add(await FollowingClient.StartAsync(options.Url, options.Room, token, name: $"{email}#{i}"));
        }

        var start = clients.Max(c => c.LastSequence);
        var senders = clients.Where(c => CheckOptions.Senders.Any(s => c.Name.StartsWith(s, StringComparison.Ordinal))).ToList();
        var acknowledged = new ConcurrentDictionary<Guid, long>();
        var sent = 0;
        var failedAttempts = 0;

        // A fixed rate, spread over the senders; a send that fails is retried with the same id until it is acked.
        var interval = TimeSpan.FromSeconds(1 / options.Rate);
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>();
        for (var n = 0; clock.Elapsed < options.Duration; n++)
        {
            var due = interval * n;
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var sender = senders[n % senders.Count];
            var id = Guid.NewGuid();
            Interlocked.Increment(ref sent);
            sends.Add(Task.Run(async () =>
            {
                while (true)
                {
                    try
                    {
                        var message = await sender.SendAsync(id, $"cluster check {n}");
                        acknowledged[id] = message.Sequence;
                        return;
                    }
                    catch (Exception) when (clock.Elapsed < options.Duration + TimeSpan.FromMinutes(2))
                    {
                        Interlocked.Increment(ref failedAttempts);
                        await Task.Delay(TimeSpan.FromMilliseconds(500));
                    }
                }
            }));
        }

        await Task.WhenAll(sends);
        Console.WriteLine("Traffic done; letting every client settle and catch up...");
        foreach (var client in clients)
        {
            await client.SettleAsync();
        }

        var stored = await ReadHistoryAsync(http, await LoginAsync(http, accounts[0], options.Password), options.Room, start);
        var report = new CheckReport(sent, acknowledged.Count, failedAttempts, stored, acknowledged, clients.Select(c => c.Result(start)).ToList());
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        return report;
    }

    internal static async Task<string> LoginAsync(HttpClient http, string email, string password)
    {
        var response = await http.PostAsJsonAsync("api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<LoginResponse>();
        return body!.AccessToken;
    }

    /// <summary>Every message after <paramref name="afterSequence"/>, paging back by keyset.</summary>
    private static async Task<IReadOnlyList<MessageDto>> ReadHistoryAsync(HttpClient http, string token, string room, long afterSequence)
    {
        var all = new List<MessageDto>();
        long? before = null;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/rooms/{room}/messages?limit=100{(before is null ? "" : $"&before={before}")}");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var page = (await response.Content.ReadFromJsonAsync<HistoryPage>())!;
            all.AddRange(page.Messages.Where(m => m.Sequence > afterSequence));
            if (!page.HasMore || page.Messages.Count == 0 || page.Messages[0].Sequence <= afterSequence + 1)
            {
                return [.. all.OrderBy(m => m.Sequence)];
            }

            before = page.Messages[0].Sequence;
        }
    }

    private sealed record LoginResponse(string AccessToken);
}

/// <summary>
/// A hub client that keeps a room's state the documented way (docs/api.md, "Staying consistent"): merge by
/// sequence keeping the higher revision, rejoin with the last sequence on a gap, on Resync and on reconnect.
/// </summary>
public sealed class FollowingClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly string _room;
    private readonly SortedDictionary<long, MessageDto> _messages = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _duplicates;

    private FollowingClient(HubConnection connection, string room, string name)
    {
        _connection = connection;
        _room = room;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The last rejoin that failed, for the report.</summary>
    public string? LastError { get; private set; }

    public long LastSequence => _messages.Count == 0 ? 0 : _messages.Keys.Last();

    public static async Task<FollowingClient> StartAsync(Uri url, string room, string token, string name)
    {
        // Each client keeps its own cookies, so the load balancer's sticky route spreads them over the nodes.
        var cookies = new CookieContainer();
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(url, "hubs/community"), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Cookies = cookies;
                o.Transports = HttpTransportType.WebSockets;
            })
            .WithAutomaticReconnect(new ForeverRetry())
            .Build();
        var client = new FollowingClient(connection, room, name);
        // Handlers never await a hub call: the client reads one message at a time, so a call awaited inside a
        // handler would wait for its own answer forever. Rejoins run beside the receive loop instead.
        connection.On<MessageDto>("MessageReceived", m => client.OnMessageAsync(m, isNew: true));
        connection.On<MessageDto>("MessageAnnouncedAgain", m => client.OnMessageAsync(m, isNew: false));
        connection.On<MessageDto>("MessageUpdated", m => client.OnMessageAsync(m, isNew: false));
        connection.On("Resync", () => client.RequestRejoin());
        connection.Reconnected += _ =>
        {
            client.RequestRejoin();
            return Task.CompletedTask;
        };
        await connection.StartAsync();
        await client.RejoinAsync();
        return client;
    }

    public async Task<MessageDto> SendAsync(Guid clientMessageId, string body)
    {
        var message = await _connection.InvokeAsync<MessageDto>("SendMessage", _room, clientMessageId, body);
        await OnMessageAsync(message, isNew: true);
        return message;
    }

    /// <summary>A last rejoin, as a client does after any doubt, so the final state can be compared.</summary>
    public async Task SettleAsync()
    {
        for (var attempt = 0; attempt < 60 && _connection.State != HubConnectionState.Connected; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await RejoinAsync();
    }

    public ClientResult Result(long afterSequence)
    {
        return new ClientResult(Name, [.. _messages.Values.Where(m => m.Sequence > afterSequence)], _duplicates, LastError);
    }

    private async Task OnMessageAsync(MessageDto message, bool isNew)
    {
        var gap = false;
        await _gate.WaitAsync();
        try
        {
            if (_messages.TryGetValue(message.Sequence, out var held))
            {
                if (message.Revision > held.Revision)
                {
                    _messages[message.Sequence] = message;
                }
                else if (isNew && message.Revision == held.Revision && held.Id != message.Id)
                {
                    _duplicates++;
                }

                return;
            }

            gap = isNew && _messages.Count > 0 && message.Sequence > LastSequence + 1;
            _messages[message.Sequence] = message;
        }
        finally
        {
            _gate.Release();
        }

        if (gap)
        {
            RequestRejoin();
        }
    }

    private void RequestRejoin() => _ = Task.Run(RejoinAsync);

    private async Task RejoinAsync()
    {
        try
        {
            long after;
            await _gate.WaitAsync();
            try
            {
                // Rejoin from the first hole, so a gap left by out-of-order delivery is filled too.
                after = FirstContiguousEnd();
            }
            finally
            {
                _gate.Release();
            }

            // A long absence comes back in several catch-ups: ask again after the last one until none is left.
            JoinResult result;
            do
            {
                result = await _connection.InvokeAsync<JoinResult>("JoinRoom", _room, after);
                await _gate.WaitAsync();
                try
                {
                    if (result.Reset)
                    {
                        _messages.Clear();
                    }

                    foreach (var message in result.Messages)
                    {
                        if (!_messages.TryGetValue(message.Sequence, out var held) || message.Revision > held.Revision)
                        {
                            _messages[message.Sequence] = message;
                        }
                    }

                    after = result.Messages.Count > 0 ? result.Messages[^1].Sequence : after;
                }
                finally
                {
                    _gate.Release();
                }
            }
            while (result.HasMore && !result.Reset);
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or TaskCanceledException or IOException)
        {
            // Not connected right now; the reconnect handler rejoins.
            LastError = $"{_connection.State}: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private long FirstContiguousEnd()
    {
        long previous = 0;
        foreach (var sequence in _messages.Keys)
        {
            if (previous != 0 && sequence != previous + 1)
            {
                return previous;
            }

            previous = sequence;
        }

        return previous;
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    internal sealed record JoinResult(IReadOnlyList<MessageDto> Messages, bool HasMore, bool Reset);

    private sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromSeconds(Math.Min(5, 1 + retryContext.PreviousRetryCount));
    }
}

public sealed record ClientResult(string Name, IReadOnlyList<MessageDto> Messages, int DuplicatesDelivered, string? LastError);

public sealed record CheckReport(
    int Sent,
    int Acknowledged,
    int FailedAttempts,
    IReadOnlyList<MessageDto> Stored,
    IReadOnlyDictionary<Guid, long> AcknowledgedIds,
    IReadOnlyList<ClientResult> Clients)
{
    public int Lost => AcknowledgedIds.Keys.Count(id => !Stored.Any(m => m.ClientMessageId == id));

    public int StoredTwice => Stored.GroupBy(m => (m.AuthorId, m.ClientMessageId)).Count(g => g.Count() > 1);

    public bool Passed =>
        Sent == Acknowledged && Lost == 0 && StoredTwice == 0
        && Clients.All(c => Missing(c) == 0 && Extra(c) == 0 && Reordered(c) == 0 && c.DuplicatesDelivered == 0);

    private int Missing(ClientResult client) => Stored.Count(m => !client.Messages.Any(h => h.Sequence == m.Sequence));

    private int Extra(ClientResult client) => client.Messages.Count(h => !Stored.Any(m => m.Sequence == h.Sequence && m.Id == h.Id));

    private static int Reordered(ClientResult client) =>
        client.Messages.Zip(client.Messages.Skip(1)).Count(pair => pair.Second.Sequence <= pair.First.Sequence);

    public void Print(TextWriter output)
    {
        output.WriteLine($"sent {Sent}, acknowledged {Acknowledged}, retried attempts {FailedAttempts}, stored {Stored.Count}, " +
                         $"lost {Lost}, stored twice {StoredTwice}");
        foreach (var client in Clients)
        {
            output.WriteLine($"  {client.Name,-28} holds {client.Messages.Count,5}  missing {Missing(client)}  extra {Extra(client)}  " +
                             $"reordered {Reordered(client)}  duplicates delivered {client.DuplicatesDelivered}" +
                             (client.LastError is null ? "" : $"  (last rejoin error: {client.LastError})"));
        }

        output.WriteLine(Passed ? "PASS: nothing lost, duplicated or reordered." : "FAIL: see the figures above.");
    }
}
