using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Events;
using SupportCommunity.Identity;

namespace SupportCommunity.Rooms;

public sealed class RoomService(IDbContextFactory<CommunityDbContext> dbFactory, RoomDirectory directory, IRoomEventBus bus)
{
    /// <summary>The public rooms, in display order, with the caller's unread counts. Private conversations are listed by ConversationService.</summary>
    public async Task<IReadOnlyList<RoomDto>> ListAsync(Actor? actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var userId = actor?.UserId ?? "";
        return await db.Rooms.AsNoTracking()
            .Where(r => r.Kind == RoomKind.Public)
            .OrderBy(r => r.SortOrder).ThenBy(r => r.Name)
            .Select(r => new RoomDto(
                r.Slug,
                r.Name,
                r.Topic,
                r.LastSequence,
                r.Revision,
                r.LastSequence - (db.RoomReadStates
                    .Where(s => s.RoomId == r.Id && s.UserId == userId)
                    .Select(s => (long?)s.LastReadSequence)
                    .FirstOrDefault() ?? 0)))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The room, if the caller may read it; otherwise a not-found refusal, as for a room that does not exist.</summary>
    public async Task<RoomDto> GetAsync(Actor actor, string slug, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Rooms.AsNoTracking()
            .Where(r => r.Id == key.Id)
            .Select(r => new RoomDto(r.Slug, r.Name, r.Topic, r.LastSequence, r.Revision, 0))
            .SingleAsync(cancellationToken);
    }

    /// <summary>
    /// Moves the caller's read mark forward to <paramref name="sequence"/> (never back), marks the bell's entries for
    /// what was read as read, and tells the caller's other tabs and devices.
    /// </summary>
    public async Task MarkReadAsync(Actor actor, string slug, long sequence, CancellationToken cancellationToken = default)
    {
        var key = await directory.GetReadableAsync(actor, slug, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.Rooms.Where(r => r.Id == key.Id).Select(r => r.LastSequence).SingleAsync(cancellationToken);

        var mark = Math.Clamp(sequence, 0, last);
        var updated = await db.RoomReadStates
            .Where(s => s.UserId == actor.UserId && s.RoomId == key.Id && s.LastReadSequence < mark)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastReadSequence, mark), cancellationToken);
        if (updated == 0 && !await db.RoomReadStates.AnyAsync(s => s.UserId == actor.UserId && s.RoomId == key.Id, cancellationToken))
        {
            db.RoomReadStates.Add(new RoomReadState { UserId = actor.UserId, RoomId = key.Id, LastReadSequence = mark });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                updated = 1;
            }
            catch (DbUpdateException)
            {
                // Another tab created the mark at the same moment; it moves forward on the next read.
            }
        }

        if (updated == 0)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        await db.Notifications
            .Where(n => n.UserId == actor.UserId && n.RoomId == key.Id && n.Sequence <= mark && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
        var unread = await db.Notifications.CountAsync(n => n.UserId == actor.UserId && n.ReadAt == null, cancellationToken);
        await bus.PublishAsync(new ReadMarked(actor.UserId, key.Slug, mark, unread), CancellationToken.None);
    }
}
