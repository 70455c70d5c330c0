using System.Globalization;
using SupportCommunity.Messages;
using SupportCommunity.Web.Tests.Integration;
using Xunit.Abstractions;

namespace SupportCommunity.Web.Tests.ScaleOut;

/// <summary>
/// Compares what the clients hold and what the senders were acknowledged with the room as the database has it
/// (read over REST): the figures the fault tests print, and hold to zero.
/// </summary>
public sealed class Consistency
{
    private Consistency()
    {
    }

    public int Sent { get; private init; }

    public int Acked { get; private init; }

    /// <summary>Acknowledged messages stored exactly once, where the acknowledgement said.</summary>
    public int StoredOnce { get; private set; }

    /// <summary>Acknowledged but not stored.</summary>
    public int LostInDatabase { get; private set; }

    /// <summary>Extra rows for acknowledged messages (a retried send stored twice).</summary>
    public int DuplicatedInDatabase { get; private set; }

    /// <summary>Messages of one sender stored in another order than they were acknowledged.</summary>
    public int ReorderedInDatabase { get; private set; }

    /// <summary>Acknowledgements that name another id or sequence than the stored row.</summary>
    public int AckMismatches { get; private set; }

    /// <summary>Sequences missing from the room (they are numbered 1, 2, 3… with no gaps).</summary>
    public int SequenceGaps { get; private set; }

    public IReadOnlyList<ClientFigures> Clients { get; private set; } = [];

    public int Lost => LostInDatabase + Clients.Sum(c => c.Lost + c.Stale);

    /// <summary>Stored twice, held twice, held without being stored, or pushed live to one client twice.</summary>
    public int Duplicated => DuplicatedInDatabase + Clients.Sum(c => c.Duplicated + c.Extra + c.LiveDuplicates);

    public int Reordered => ReorderedInDatabase + Clients.Sum(c => c.Reordered);

    /// <summary>Every client holds exactly the stored room, from where it started.</summary>
    public bool ClientsComplete => Clients.All(c => c is { Lost: 0, Stale: 0, Duplicated: 0, Extra: 0, Reordered: 0 });

    /// <summary>The whole room, oldest first, through the REST history pages.</summary>
    public static async Task<IReadOnlyList<MessageDto>> ReadRoomAsync(HttpClient api, string roomSlug)
    {
        var messages = new List<MessageDto>();
        long? before = null;
        while (true)
        {
            var page = await api.GetHistoryAsync(roomSlug, before, limit: 100);
            messages.InsertRange(0, page.Messages);
            if (!page.HasMore || page.Messages.Count == 0)
            {
                return messages;
            }

            before = page.Messages[0].Sequence;
        }
    }

    /// <summary>Only compares clients with the stored room; cheap enough to poll.</summary>
    public static bool ClientsMatch(IReadOnlyList<MessageDto> stored, IEnumerable<RoomReplica> clients) =>
        clients.All(c => Compare(stored, c).IsExact);

    public static Consistency Measure(
        IReadOnlyList<MessageDto> stored, int sent, IReadOnlyList<SentMessage> acked, IEnumerable<RoomReplica> clients)
    {
        var report = new Consistency { Sent = sent, Acked = acked.Count };

        var rows = stored.ToLookup(m => (m.AuthorId, m.ClientMessageId));
        foreach (var send in acked)
        {
            var copies = rows[(send.Ack.AuthorId, send.ClientMessageId)].ToList();
            if (copies.Count == 0)
            {
                report.LostInDatabase++;
                continue;
            }

            report.DuplicatedInDatabase += copies.Count - 1;
            if (copies.Count == 1)
            {
                report.StoredOnce++;
            }

            if (copies[0].Id != send.Ack.Id || copies[0].Sequence != send.Ack.Sequence || copies[0].Body != send.Body)
            {
                report.AckMismatches++;
            }
        }

        // In its steady stream each sender waits for one acknowledgement before the next send, so those messages must
        // be stored in that order.
        foreach (var sender in acked.Where(s => s.Ordinal > 0).GroupBy(s => s.Sender))
        {
            var sequences = sender.OrderBy(s => s.Ordinal).Select(s => s.Ack.Sequence).ToList();
            report.ReorderedInDatabase += sequences.Zip(sequences.Skip(1)).Count(p => p.Second <= p.First);
        }

        var numbered = stored.Select(m => m.Sequence).ToHashSet();
        report.SequenceGaps = stored.Count == 0 ? 0 : (int)(stored[^1].Sequence - numbered.Count);
        report.Clients = [.. clients.Select(c => Compare(stored, c))];
        return report;
    }

    public void Print(ITestOutputHelper output, string title)
    {
        output.WriteLine($"== {title}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent {Sent}, acknowledged {Acked}, stored once {StoredOnce}; in the database: lost {LostInDatabase}, " +
            $"duplicated {DuplicatedInDatabase}, reordered {ReorderedInDatabase}, ack mismatches {AckMismatches}, sequence gaps {SequenceGaps}"));
        PrintClients(output);
    }

    /// <summary>The clients' table and totals alone (for runs whose acknowledgements change afterwards: edits, deletions).</summary>
    public void PrintClients(ITestOutputHelper output)
    {
        output.WriteLine("client          nodes   live-recv live-upd live-dup out-of-order caught-up joins gaps resyncs reconnects resets  held lost stale dup extra reordered");
        foreach (var c in Clients)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name,-15} {c.Nodes,-7} {c.LiveReceived,9} {c.LiveUpdated,8} {c.LiveDuplicates,8} {c.LiveOutOfOrder,12} {c.CaughtUp,9} {c.Joins,5} {c.Gaps,4} {c.Resyncs,7} {c.Reconnects,10} {c.Resets,6} {c.Held,5} {c.Lost,4} {c.Stale,5} {c.Duplicated,3} {c.Extra,5} {c.Reordered,9}"));
        }

        output.WriteLine($"TOTAL lost {Lost}, duplicated {Duplicated}, reordered {Reordered}");
    }

    /// <summary>Holds the report to zero: nothing lost, duplicated or reordered, in the database or at any client.</summary>
    public void AssertNothingLostDuplicatedOrReordered()
    {
        Assert.Equal(Acked, Sent);
        Assert.Equal(Acked, StoredOnce);
        Assert.Equal(0, AckMismatches);
        Assert.Equal(0, SequenceGaps);
        Assert.All(Clients, c => Assert.Equal(0, c.Resets));
        Assert.Equal(0, Lost);
        Assert.Equal(0, Duplicated);
        Assert.Equal(0, Reordered);
    }

    private static ClientFigures Compare(IReadOnlyList<MessageDto> stored, RoomReplica client)
    {
        var held = client.Snapshot();
        var window = stored.Where(m => m.Sequence >= client.FirstHeld).ToList();
        var heldBySequence = held.ToDictionary(m => m.Sequence);
        var storedSequences = window.Select(m => m.Sequence).ToHashSet();
        var position = stored.Select((m, i) => (m.Id, i)).ToDictionary(p => p.Id, p => p.i);

        var lost = window.Count(m => !heldBySequence.TryGetValue(m.Sequence, out var h) || h.Id != m.Id);
        var stale = window.Count(m => heldBySequence.TryGetValue(m.Sequence, out var h) && h.Id == m.Id
            && (h.Revision != m.Revision || h.Body != m.Body || h.Deleted != m.Deleted));
        var duplicated = held.Count - held.DistinctBy(m => (m.AuthorId, m.ClientMessageId)).Count();
        var extra = held.Count(m => !storedSequences.Contains(m.Sequence));
        var order = held.Where(m => position.ContainsKey(m.Id)).Select(m => position[m.Id]).ToList();
        var reordered = order.Zip(order.Skip(1)).Count(p => p.Second <= p.First);

        return new ClientFigures(
            client.Name, client.NodesVisited, client.LiveReceived, client.LiveUpdated, client.LiveDuplicates, client.LiveOutOfOrder,
            client.CaughtUp, client.Joins, client.GapsNoticed, client.ResyncsReceived, client.Reconnects, client.Resets,
            held.Count, lost, stale, duplicated, extra, reordered);
    }
}

public sealed record ClientFigures(
    string Name,
    string Nodes,
    int LiveReceived,
    int LiveUpdated,
    int LiveDuplicates,
    int LiveOutOfOrder,
    int CaughtUp,
    int Joins,
    int Gaps,
    int Resyncs,
    int Reconnects,
    int Resets,
    int Held,
    int Lost,
    int Stale,
    int Duplicated,
    int Extra,
    int Reordered)
{
    public bool IsExact => Lost == 0 && Stale == 0 && Duplicated == 0 && Extra == 0 && Reordered == 0;
}
