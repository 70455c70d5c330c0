using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using SupportCommunity.Messages;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.Integration.Faults;

/// <summary>The app with a short SQLite busy timeout (3 s), so a long write lock turns into refusals the client retries.</summary>
public sealed class ShortBusyTimeoutAppFactory : CommunityAppFactory
{
    protected override void ConfigureSettings(IDictionary<string, string?> settings) =>
        settings["ConnectionStrings:Community"] = $"Data Source={DatabasePath};Default Timeout=3";
}

/// <summary>
/// Issue 8's fault: another process holds SQLite's write lock for 40 s. Sends fail with a retryable error and store
/// nothing; the client keeps each message in its outbox and sends it again with the same client message id; once the
/// lock is gone every message is stored exactly once and reaches the room.
/// </summary>
public sealed class DatabaseLockTests(ShortBusyTimeoutAppFactory app, ITestOutputHelper output) : IClassFixture<ShortBusyTimeoutAppFactory>
{
    private static readonly TimeSpan LockHeld = TimeSpan.FromSeconds(40);
    private const int Outbox = 5;

    [Fact]
    public async Task WriteLockHeld40Seconds_SendsRefusedAsRetryableThenResentAndStoredOnce()
    {
        await using var sender = await app.ConnectAsync(Member);
        await using var reader = await app.ConnectAsync(Customer2);
        await reader.JoinRoomAsync(Billing);
        var delivered = new Dictionary<Guid, int>();
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ids = Enumerable.Range(0, Outbox).Select(_ => Guid.NewGuid()).ToList();
        reader.Connection.On<MessageDto>("MessageReceived", message =>
        {
            lock (delivered)
            {
                if (ids.Contains(message.ClientMessageId))
                {
                    delivered[message.ClientMessageId] = delivered.GetValueOrDefault(message.ClientMessageId) + 1;
                    if (delivered.Count == Outbox)
                    {
                        allDelivered.TrySetResult();
                    }
                }
            }
        });
        using var api = await app.CreateApiClientAsync(Member);

        // Another process takes the write lock and keeps it.
        var released = Stopwatch.StartNew();
        var holder = new SqliteConnection($"Data Source={app.DatabasePath}");
        await holder.OpenAsync();
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE;";
            await begin.ExecuteNonQueryAsync();
        }

        var lockTask = Task.Run(async () =>
        {
            // The fault's length, as the issue sets it; then the other process commits nothing and lets go.
            await Task.Delay(LockHeld);
            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
            await holder.DisposeAsync();
            released.Stop();
        });

        // REST meanwhile: a clear, retryable 503 with Retry-After, nothing stored.
        var restId = Guid.NewGuid();
        using var busy = await api.PostAsJsonAsync($"/api/rooms/{Billing}/messages", new { clientMessageId = restId, body = "over REST while locked" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal("2", busy.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var problem = await busy.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal(SupportCommunity.CommunityException.BusyMessage, problem?.Detail);

        // The hub client's outbox: each message is sent until acknowledged, with its own id every time.
        var refusals = 0;
        var outbox = ids.Select(async (id, i) =>
        {
            while (true)
            {
                try
                {
                    var stored = await sender.Connection.InvokeAsync<MessageDto>("SendMessage", Billing, id, $"outbox message {i}");
                    return (Stored: stored, AckedAt: released.Elapsed);
                }
                catch (HubException ex) when (ex.Message.EndsWith(SupportCommunity.CommunityException.BusyMessage, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refusals);
                    // A client's retry back-off, as Retry-After says.
                    await Task.Delay(SupportCommunity.CommunityException.BusyRetryAfter);
                }
            }
        }).ToList();

        var acks = await Task.WhenAll(outbox).WaitAsync(LockHeld + TimeSpan.FromSeconds(30));
        await lockTask;
        await allDelivered.Task.WaitAsync(CommunityAppFactory.Timeout);
        output.WriteLine($"{refusals} busy refusals while the lock was held {LockHeld.TotalSeconds:0} s; acks {string.Join(", ", acks.Select(a => $"{a.AckedAt.TotalSeconds:0.0} s"))}.");

        Assert.True(refusals >= Outbox, $"Only {refusals} refusals: the sends did not meet the lock.");
        Assert.All(acks, ack => Assert.True(ack.AckedAt >= LockHeld - TimeSpan.FromSeconds(1), $"Acknowledged at {ack.AckedAt} while the lock was held."));
        Assert.All(ids, id => Assert.Equal(1, delivered[id]));

        // Stored once each (a fresh page of the room), and the REST send never stored.
        using var page = await api.GetAsync($"/api/rooms/{Billing}/messages?limit=100");
        var history = await page.Content.ReadFromJsonAsync<HistoryPage>();
        Assert.NotNull(history);
        Assert.All(ids, id => Assert.Single(history.Messages, m => m.ClientMessageId == id));
        Assert.DoesNotContain(history.Messages, m => m.ClientMessageId == restId);

        // The connection lived through it.
        Assert.Equal(HubConnectionState.Connected, sender.Connection.State);
    }
}
