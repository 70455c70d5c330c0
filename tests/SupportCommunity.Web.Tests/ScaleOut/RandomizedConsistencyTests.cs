using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.SignalR;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Reactions;
using Xunit.Abstractions;
using static SupportCommunity.Web.Tests.Integration.Accounts;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// Zulip's rule, "stale state + events = fresh state", across two nodes: clients on both nodes follow a seeded random
/// run of sends, retried sends, edits, deletions, moderator edits and deletions, reaction toggles, timeouts and their
/// lifting, and reconnections (to either node), up to four at a time. At the end every client holds exactly what a
/// fresh load of the room from the database (REST history) says, message by message and field by field (reactions
/// included: who reacted with what).
/// The seed is printed; <c>SUPPORTCOMMUNITY_RANDOM_SEED</c> replays one, <c>SUPPORTCOMMUNITY_RANDOM_STEPS</c> changes the
/// length of the run (default 560 actions).
/// </summary>
[Collection(ScaleOutTests.Name)]
public sealed class RandomizedConsistencyTests(SharedRedis redis, ITestOutputHelper output)
{
    // A reaction costs what an edit does (the room's lock, one transaction): the run is 40 actions shorter than before
    // reactions joined it, so that it takes no longer in CI.
    private const int DefaultSteps = 560;
    private const int MaxConcurrent = 4;
    private static readonly TimeSpan Promise = TimeSpan.FromSeconds(10);

    private static readonly string[] Words =
    [
        "invoice", "refund", "sync", "stuck", "export", "password", "thanks", "billing", "app", "crash", "login", "works",
        "again", "still", "the", "my", "after", "update", "ticket", "please", "**bold**", "`code`", "_why_", "émoji 🙂",
    ];

    private enum Kind
    {
        Send,
        SendTwice,
        Edit,
        Delete,
        ModeratorEdit,
        ModeratorDelete,
        React,
        Timeout,
        Lift,
        Reconnect,
    }

    private static readonly (Kind Kind, int Weight)[] Mix =
    [
        (Kind.Send, 30), (Kind.SendTwice, 6), (Kind.Edit, 14), (Kind.Delete, 7), (Kind.ModeratorEdit, 4),
        (Kind.ModeratorDelete, 6), (Kind.React, 6), (Kind.Timeout, 4), (Kind.Lift, 5), (Kind.Reconnect, 14),
    ];

    [Fact]
    public async Task RandomActionsByClientsOnBothNodes_EveryClientEndsEqualToAFreshLoadFromTheDatabase()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_RANDOM_SEED"), CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next();
        var steps = int.TryParse(Environment.GetEnvironmentVariable("SUPPORTCOMMUNITY_RANDOM_STEPS"), CultureInfo.InvariantCulture, out var fixedSteps)
            ? fixedSteps
            : DefaultSteps;
        output.WriteLine($"seed {seed}, {steps} actions (replay: SUPPORTCOMMUNITY_RANDOM_SEED={seed})");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        await using var cluster = await Cluster.StartAsync(redis.Endpoint);
        var clients = await Scenario.StartClientsAsync(cluster, General,
            ("jordan@A", Customer, cluster.A), ("casey@B", Customer2, cluster.B), ("priya@A", Member, cluster.A),
            ("theo@B(mod)", Moderator, cluster.B), ("alex@A(reader)", Admin, cluster.A), ("maya@B(reader)", Manager, cluster.B));
        try
        {
            var run = new Run(clients);
            var posters = clients.Take(4).ToList();
            var moderator = clients[3];
            var members = clients.Take(3).ToList();

            // Each poster's first message tells us its user id.
            foreach (var poster in posters)
            {
                var first = await poster.SendAsync($"hello from {poster.Name}");
                run.Acked(poster, first);
            }

            output.WriteLine($"cluster and clients ready in {clock.ElapsedMilliseconds} ms");
            var actions = Stopwatch.StartNew();
            for (var step = 0; step < steps;)
            {
                // Choose a batch from the model as it is now (the same seed makes the same choices while the outcomes
                // match), then run it concurrently.
                var batch = new List<Func<Task>>();
                var size = Math.Min(random.Next(1, MaxConcurrent + 1), steps - step);
                var calling = new HashSet<RoomReplica>();
                for (var i = 0; i < size; i++, step++)
                {
                    batch.Add(Choose(random, step, run, posters, moderator, members, cluster, calling));
                }

                await Task.WhenAll(batch.Select(action => action()));
            }

            output.WriteLine($"{steps} actions in {actions.ElapsedMilliseconds} ms");

            var stored = await Scenario.ReadStoredRoomAsync(cluster, General);
            TimeSpan? converged = null;
            try
            {
                converged = await Eventually.HoldsAsync(
                    () => clients.All(c => Differences(stored, c).Count == 0), Promise, "every client holds exactly the stored room");
            }
            catch (TimeoutException ex)
            {
                output.WriteLine(ex.Message);
            }

            var report = Consistency.Measure(stored, run.Sends.Count, [.. run.Sends], clients);
            output.WriteLine($"== randomized run, seed {seed}: {stored.Count} messages stored, {run.Sends.Count} sends acknowledged, " +
                             $"{run.RefusedSends.Count} refused, {stored.Count(m => m.EditedAt is not null)} edited, {stored.Count(m => m.Deleted)} deleted, " +
                             $"{stored.Count(m => m.Reactions.Count > 0)} with reactions ({stored.Sum(m => m.Reactions.Sum(r => r.Count))} in all)");
            report.PrintClients(output);
            run.Print(output);
            output.WriteLine(converged is { } t
                ? $"every client equalled the fresh load {t.TotalMilliseconds:0} ms after the last action; whole test {clock.ElapsedMilliseconds} ms"
                : "clients did NOT equal the fresh load in time");
            foreach (var client in clients)
            {
                foreach (var difference in Differences(stored, client).Take(5))
                {
                    output.WriteLine($"{client.Name}: {difference}");
                }
            }

            // The database: every acknowledged send stored once, as acknowledged; no refused send stored.
            var rows = stored.ToLookup(m => (m.AuthorId, m.ClientMessageId));
            foreach (var send in run.Sends)
            {
                var row = Assert.Single(rows[(send.Ack.AuthorId, send.ClientMessageId)]);
                Assert.Equal((send.Ack.Id, send.Ack.Sequence), (row.Id, row.Sequence));
            }

            Assert.All(run.RefusedSends, s => Assert.Empty(rows[(s.AuthorId, s.ClientMessageId)]));
            Assert.Equal(stored.Count, stored.Select(m => m.Sequence).Distinct().Count());
            Assert.Equal(stored[^1].Sequence, stored.Count);
            // Nothing failed except by the server's clear refusal.
            Assert.Empty(run.Failures);
            // The clients: each one equals the fresh load, field by field.
            Assert.NotNull(converged);
            Assert.All(report.Clients, c => Assert.Equal((0, 0, 0, 0, 0, 0, 0), (c.Lost, c.Stale, c.Duplicated, c.Extra, c.Reordered, c.LiveDuplicates, c.Resets)));
            await Scenario.AssertFreshJoinMatchesAsync(cluster, [cluster.A, cluster.B], General, stored);
            // The run did what it says: it changed messages, moderated and reconnected, not only sent.
            Assert.True(run.Done(Kind.Edit) > 0 && run.Done(Kind.ModeratorDelete) + run.Done(Kind.Delete) > 0 && run.Done(Kind.Reconnect) > 0);
            Assert.True(run.Done(Kind.React) > 0, "no reaction was toggled");
        }
        finally
        {
            await Scenario.DisposeAllAsync(clients);
        }
    }

    /// <summary>What differs between the client and the stored room, from the first message it holds on: field by field.</summary>
    private static List<string> Differences(IReadOnlyList<MessageDto> stored, RoomReplica client)
    {
        var held = client.Snapshot().ToDictionary(m => m.Sequence);
        var differences = new List<string>();
        foreach (var message in stored.Where(m => m.Sequence >= client.FirstHeld))
        {
            if (!held.Remove(message.Sequence, out var copy))
            {
                differences.Add($"#{message.Sequence} missing");
            }
            else if (copy != message)
            {
                // Compared whole (reactions included: ReactionList is equal by content); reactions spelled out, as a
                // record prints only the list's type.
                differences.Add($"#{message.Sequence} differs: holds {copy} {Reactions(copy)}, stored {message} {Reactions(message)}");
            }
        }

        differences.AddRange(held.Keys.Select(s => $"#{s} held but not stored"));
        return differences;
    }

    private static string Reactions(MessageDto message) =>
        "[" + string.Join(" ", message.Reactions.Select(r => $"{r.Emoji}{r.Count}:{string.Join(',', r.UserIds)}")) + "]";

    /// <summary>
    /// One action, chosen from the model as it is now. <paramref name="calling"/> holds the batch's clients that make
    /// a call other than a send, or reconnect: a client does not reconnect under its own edit (an edit is not retried
    /// on another connection, unlike a send, so its outcome would be unknown), and reconnects once per batch.
    /// </summary>
    private static Func<Task> Choose(
        Random random, int step, Run run, List<RoomReplica> posters, RoomReplica moderator, List<RoomReplica> members, Cluster cluster,
        HashSet<RoomReplica> calling)
    {
        var kind = Pick(random);

        var actor = posters[random.Next(posters.Count)];
        var body = $"{step}: {string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => Words[random.Next(Words.Length)]))}";
        var own = run.Live(m => m.AuthorId == run.UserId(actor));
        var others = run.Live(m => m.AuthorId != run.UserId(moderator));
        var live = run.Live(_ => true);
        switch (kind)
        {
            case Kind.Send:
                return () => run.SendAsync(actor, body, Guid.NewGuid(), copies: 1);
            case Kind.SendTwice:
                // The same send twice at once (a client retrying while its first try is still on the way).
                return () => run.SendAsync(actor, body, Guid.NewGuid(), copies: 2);
            case Kind.Edit when own.Count > 0 && calling.Add(actor):
            {
                var target = own[random.Next(own.Count)];
                return () => run.ChangeAsync(Kind.Edit, actor, () => actor.EditAsync(target.Id, body + " (edited)"));
            }

            case Kind.Delete when own.Count > 0 && calling.Add(actor):
            {
                var target = own[random.Next(own.Count)];
                return () => run.ChangeAsync(Kind.Delete, actor, () => actor.DeleteAsync(target.Id));
            }

            case Kind.ModeratorEdit when others.Count > 0 && calling.Add(moderator):
            {
                var target = others[random.Next(others.Count)];
                return () => run.ChangeAsync(Kind.ModeratorEdit, moderator,
                    () => moderator.CallAsync<MessageDto>("ModerateEditMessage", target.Id, body + " (moderated)", "off-topic detail removed"));
            }

            case Kind.ModeratorDelete when others.Count > 0 && calling.Add(moderator):
            {
                var target = others[random.Next(others.Count)];
                return () => run.ChangeAsync(Kind.ModeratorDelete, moderator,
                    () => moderator.CallAsync<MessageDto>("ModerateDeleteMessage", target.Id, "spam"));
            }

            case Kind.React when live.Count > 0 && calling.Add(actor):
            {
                // Any message the model holds live (one deleted meanwhile is refused: counted as a refusal).
                var target = live[random.Next(live.Count)];
                var emoji = ReactionSummary.Allowed[random.Next(ReactionSummary.Allowed.Count)];
                return () => run.ChangeAsync(Kind.React, actor, () => actor.CallAsync<MessageDto>("ToggleReaction", target.Id, emoji));
            }

            case Kind.Timeout when calling.Add(moderator):
            {
                var member = members[random.Next(members.Count)];
                return () => run.TimeoutAsync(moderator, member);
            }

            case Kind.Lift when calling.Add(moderator):
                return () => run.LiftAsync(moderator, random.Next());

            case Kind.Reconnect:
            {
                var client = run.Clients[random.Next(run.Clients.Count)];
                var node = random.Next(2) == 0 ? cluster.A : cluster.B;
                if (calling.Add(client))
                {
                    return () => run.ReconnectAsync(client, node);
                }

                goto default;
            }

            default:
                // Nothing of theirs to change yet, or the client is busy with another call in this batch: send instead.
                return () => run.SendAsync(actor, body, Guid.NewGuid(), copies: 1);
        }
    }

    private static Kind Pick(Random random)
    {
        var roll = random.Next(Mix.Sum(m => m.Weight));
        foreach (var (kind, weight) in Mix)
        {
            if ((roll -= weight) < 0)
            {
                return kind;
            }
        }

        return Kind.Send;
    }

    /// <summary>The model of the run: what was acknowledged, refused and failed, and what can be changed next.</summary>
    private sealed class Run(IReadOnlyList<RoomReplica> clients)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<long, MessageDto> _messages = [];
        private readonly Dictionary<RoomReplica, string> _userIds = [];
        private readonly Dictionary<string, long> _timeouts = [];
        private readonly ConcurrentDictionary<Kind, int> _done = new();
        private readonly ConcurrentDictionary<Kind, long> _took = new();
        private readonly ConcurrentDictionary<string, int> _refusals = new(StringComparer.Ordinal);

        public IReadOnlyList<RoomReplica> Clients { get; } = clients;

        public ConcurrentQueue<SentMessage> Sends { get; } = new();

        public ConcurrentQueue<(string AuthorId, Guid ClientMessageId)> RefusedSends { get; } = new();

        public ConcurrentQueue<string> Failures { get; } = new();

        public string UserId(RoomReplica client)
        {
            lock (_gate)
            {
                return _userIds[client];
            }
        }

        public int Done(Kind kind) => _done.GetValueOrDefault(kind);

        /// <summary>Messages not deleted (as far as the acknowledgements tell) that match.</summary>
        public List<MessageDto> Live(Func<MessageDto, bool> match)
        {
            lock (_gate)
            {
                return [.. _messages.Values.Where(m => !m.Deleted && match(m)).OrderBy(m => m.Id)];
            }
        }

        public void Acked(RoomReplica client, SentMessage sent)
        {
            Sends.Enqueue(sent);
            lock (_gate)
            {
                _userIds.TryAdd(client, sent.Ack.AuthorId);
                _messages.TryAdd(sent.Ack.Id, sent.Ack);
            }
        }

        public async Task SendAsync(RoomReplica client, string body, Guid id, int copies)
        {
            var tries = Enumerable.Range(0, copies).Select(_ => client.SendAsync(body, id, retryRefusals: false)).ToList();
            try
            {
                var sent = await Task.WhenAll(tries);
                if (sent.Select(s => s.Ack).Distinct().Count() != 1)
                {
                    Failures.Enqueue($"the copies of one send were acknowledged differently: {string.Join(" / ", sent.Select(s => s.Ack))}");
                }

                Acked(client, sent[0]);
                _done.AddOrUpdate(copies == 1 ? Kind.Send : Kind.SendTwice, 1, (_, n) => n + 1);
            }
            catch (HubException refusal) when (tries.All(t => t.IsFaulted))
            {
                RefusedSends.Enqueue((UserId(client), id));
                Refused(refusal);
            }
            catch (Exception ex)
            {
                Failures.Enqueue($"send by {client.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        public async Task ChangeAsync(Kind kind, RoomReplica client, Func<Task<MessageDto>> change)
        {
            var took = Stopwatch.StartNew();
            try
            {
                var changed = await change();
                lock (_gate)
                {
                    if (!_messages.TryGetValue(changed.Id, out var known) || known.Revision < changed.Revision)
                    {
                        _messages[changed.Id] = changed;
                    }
                }

                _done.AddOrUpdate(kind, 1, (_, n) => n + 1);
            }
            catch (HubException refusal)
            {
                Refused(refusal);
            }
            catch (Exception ex)
            {
                Failures.Enqueue($"{kind} by {client.Name}: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                _took.AddOrUpdate(kind, took.ElapsedMilliseconds, (_, ms) => ms + took.ElapsedMilliseconds);
            }
        }

        public async Task TimeoutAsync(RoomReplica moderator, RoomReplica member)
        {
            try
            {
                var sanction = await moderator.CallAsync<SanctionDto>("TimeoutUser", UserId(member), 30, "cool down", General);
                lock (_gate)
                {
                    _timeouts[sanction.UserId] = sanction.Id;
                }

                _done.AddOrUpdate(Kind.Timeout, 1, (_, n) => n + 1);
            }
            catch (HubException refusal)
            {
                Refused(refusal);
            }
            catch (Exception ex)
            {
                Failures.Enqueue($"timeout by {moderator.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        public async Task LiftAsync(RoomReplica moderator, int pick)
        {
            long sanctionId;
            lock (_gate)
            {
                if (_timeouts.Count == 0)
                {
                    return;
                }

                var (userId, id) = _timeouts.OrderBy(t => t.Key, StringComparer.Ordinal).ElementAt(pick % _timeouts.Count);
                _timeouts.Remove(userId);
                sanctionId = id;
            }

            try
            {
                await moderator.CallAsync<SanctionDto>("LiftSanction", sanctionId, "calmed down");
                _done.AddOrUpdate(Kind.Lift, 1, (_, n) => n + 1);
            }
            catch (HubException refusal)
            {
                Refused(refusal);
            }
            catch (Exception ex)
            {
                Failures.Enqueue($"lift by {moderator.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        public async Task ReconnectAsync(RoomReplica client, ScaleOutNode node)
        {
            try
            {
                await client.ReconnectAsync(node);
                _done.AddOrUpdate(Kind.Reconnect, 1, (_, n) => n + 1);
            }
            catch (Exception ex)
            {
                Failures.Enqueue($"reconnect of {client.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        public void Print(ITestOutputHelper output)
        {
            output.WriteLine("done: " + string.Join(", ", Enum.GetValues<Kind>().Select(k => $"{k} {Done(k)}")));
            output.WriteLine("time in changes (all calls, refused ones too): " +
                             string.Join(", ", _took.OrderBy(t => t.Key).Select(t => $"{t.Key} {t.Value} ms")));
            output.WriteLine($"refused by the server ({_refusals.Values.Sum()}): " +
                             string.Join(" | ", _refusals.OrderByDescending(r => r.Value).Select(r => $"{r.Value}× {r.Key}")));
            foreach (var failure in Failures)
            {
                output.WriteLine("FAILED: " + failure);
            }
        }

        private void Refused(HubException refusal) => _refusals.AddOrUpdate(refusal.Message, 1, (_, n) => n + 1);
    }
}
