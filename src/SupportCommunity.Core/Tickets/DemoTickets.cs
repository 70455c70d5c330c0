using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SupportCommunity.Data;
using SupportCommunity.Identity;
using SupportCommunity.Rooms;

namespace SupportCommunity.Tickets;

/// <summary>
/// Three tickets of the demo community, so the desk is not empty on the first run: a new one from Jordan
/// (customer@demo.test), one open and assigned to Sam (agent@demo.test), and a solved and rated one.
/// </summary>
internal static class DemoTickets
{
    public static async Task SeedAsync(
        CommunityDbContext db, IReadOnlyDictionary<string, Actor> actors, IReadOnlyDictionary<string, Room> rooms, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (await db.Tickets.AnyAsync(cancellationToken))
        {
            return;
        }

        var sla = new SlaPolicy(Options.Create(new SlaOptions()));
        var manager = actors["manager@demo.test"];
        var agent = actors["agent@demo.test"];
        var jordan = actors["customer@demo.test"];
        var casey = actors["customer2@demo.test"];

        // #1: new, nobody has answered yet.
        var syncPaused = await AddAsync(db, sla, 1, rooms["general"], [1, 2, 4], jordan, manager, now.AddMinutes(-25),
            "Desktop app stuck on \"Sync paused\" after updating to 4.2.0", TicketPriority.High, "technical", "bug", cancellationToken);

        // #2: open, claimed by Sam, answered, with an internal note the customer never sees.
        var charged = await AddAsync(db, sla, 2, rooms["billing"], [1, 2], casey, manager, now.AddMinutes(-35),
            "Charged twice for the annual plan", TicketPriority.Normal, "billing", "refund", cancellationToken);
        Add(db, charged, agent, TicketEntryKind.Assignment, now.AddMinutes(-30), from: "", to: agent.DisplayName);
        Add(db, charged, agent, TicketEntryKind.InternalNote, now.AddMinutes(-29),
            body: "Stripe shows two captures 40 s apart on the renewal. Refund the second one; finance knows.");
        Add(db, charged, agent, TicketEntryKind.PublicReply, now.AddMinutes(-28),
            body: "Hi Casey, I found the duplicate charge and started the refund. It takes 3–5 business days to reach your card.");
        Add(db, charged, agent, TicketEntryKind.StatusChange, now.AddMinutes(-28), from: nameof(TicketStatus.New), to: nameof(TicketStatus.Open));
        charged.AssigneeId = agent.UserId;
        charged.AssigneeName = agent.DisplayName;
        charged.Status = TicketStatus.Open;
        charged.FirstRespondedAt = now.AddMinutes(-28);
        charged.UpdatedAt = now.AddMinutes(-28);
        charged.Version = 4;
        // The internal note is the one change Casey never saw.
        charged.RequesterUpdatedAt = charged.UpdatedAt;
        charged.RequesterVersion = 3;

        // #3: solved and rated.
        var restart = await AddAsync(db, sla, 3, rooms["general"], [3, 4, 5], casey, manager, now.AddHours(-3),
            "Sync still paused on macOS 15 after a restart", TicketPriority.Normal, "technical", "how-to", cancellationToken);
        Add(db, restart, agent, TicketEntryKind.PublicReply, now.AddHours(-2.9),
            body: "Settings → Sync → Resume all gets it going until 4.2.1 arrives. Does that work for you?");
        Add(db, restart, casey, TicketEntryKind.PublicReply, now.AddHours(-2.8), body: "Yes, that did it. Thanks!");
        Add(db, restart, agent, TicketEntryKind.StatusChange, now.AddHours(-2.7), from: nameof(TicketStatus.New), to: nameof(TicketStatus.Solved));
        Add(db, restart, casey, TicketEntryKind.Rating, now.AddHours(-2.6), body: "Quick and friendly.", to: "5");
        restart.AssigneeId = agent.UserId;
        restart.AssigneeName = agent.DisplayName;
        restart.Status = TicketStatus.Solved;
        restart.DedupeKey = null;
        restart.FirstRespondedAt = now.AddHours(-2.9);
        restart.SolvedAt = now.AddHours(-2.7);
        restart.Rating = 5;
        restart.RatingComment = "Quick and friendly.";
        restart.RatedAt = now.AddHours(-2.6);
        restart.UpdatedAt = now.AddHours(-2.6);
        restart.Version = 5;
        restart.RequesterUpdatedAt = restart.UpdatedAt;
        restart.RequesterVersion = 5;

        foreach (var ticket in new[] { syncPaused, charged, restart })
        {
            SlaPolicy.Refresh(ticket);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task<Ticket> AddAsync(
        CommunityDbContext db, SlaPolicy sla, int number, Room room, long[] sequences, Actor requester, Actor manager, DateTimeOffset at,
        string subject, TicketPriority priority, string queue, string category, CancellationToken cancellationToken)
    {
        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.RoomId == room.Id && sequences.Contains(m.Sequence))
            .OrderBy(m => m.Sequence)
            .ToListAsync(cancellationToken);
        var key = string.Create(CultureInfo.InvariantCulture, $"thread:{room.Id}:{sequences[0]}");
        var ticket = new Ticket
        {
            Number = number,
            RequesterId = requester.UserId,
            RequesterName = requester.DisplayName,
            Subject = subject,
            Status = TicketStatus.New,
            Priority = priority,
            Category = category,
            Queue = queue,
            SourceKind = TicketSourceKind.Thread,
            SourceRoomId = room.Id,
            SourceRoomSlug = room.Slug,
            SourceRoomName = room.Name,
            SourceSequence = sequences[0],
            ThreadRootSequence = sequences[0],
            SourceKey = key,
            DedupeKey = key,
            CreatedById = manager.UserId,
            CreatedByName = manager.DisplayName,
            CreatedAt = at,
            UpdatedAt = at,
            Version = 1,
            RequesterUpdatedAt = at,
            RequesterVersion = 1,
        };
        sla.Apply(ticket);
        db.Tickets.Add(ticket);
        await db.SaveChangesAsync(cancellationToken);
        db.TicketTranscriptLines.AddRange(messages.Select(m => new TicketTranscriptLine
        {
            TicketId = ticket.Id,
            Sequence = m.Sequence,
            ReplyToSequence = m.ReplyToSequence,
            AuthorId = m.AuthorId,
            AuthorName = m.AuthorName,
            AuthorRole = m.AuthorRole,
            Body = m.Body,
            CreatedAt = m.CreatedAt,
            EditedAt = m.EditedAt,
        }));
        Add(db, ticket, manager, TicketEntryKind.Escalation, at, to: "#" + room.Name);
        return ticket;
    }

    private static void Add(
        CommunityDbContext db, Ticket ticket, Actor author, TicketEntryKind kind, DateTimeOffset at, string? body = null, string? from = null, string? to = null) =>
        db.TicketEntries.Add(TicketService.Entry(ticket, author, kind, at, body, from, to));
}
