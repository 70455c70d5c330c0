using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Identity;

namespace SupportCommunity.Rooms;

public sealed class RoomService(IDbContextFactory<CommunityDbContext> dbFactory)
{
    /// <summary>The rooms the caller may see, in display order, with the caller's unread counts.</summary>
    public async Task<IReadOnlyList<RoomDto>> ListAsync(Actor? actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var userId = actor?.UserId ?? "";
        return await db.Rooms.AsNoTracking()
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

    public async Task<RoomDto?> FindAsync(string slug, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Rooms.AsNoTracking()
            .Where(r => r.Slug == slug)
            .Select(r => new RoomDto(r.Slug, r.Name, r.Topic, r.LastSequence, r.Revision, 0))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Moves the caller's read mark forward to <paramref name="sequence"/> (never back).</summary>
    public async Task MarkReadAsync(Actor actor, string slug, long sequence, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var room = await db.Rooms.AsNoTracking()
            .Where(r => r.Slug == slug)
            .Select(r => new { r.Id, r.LastSequence })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw CommunityException.NotFound($"There is no room '{slug}'.");

        var mark = Math.Clamp(sequence, 0, room.LastSequence);
        var updated = await db.RoomReadStates
            .Where(s => s.UserId == actor.UserId && s.RoomId == room.Id && s.LastReadSequence < mark)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastReadSequence, mark), cancellationToken);
        if (updated > 0 || await db.RoomReadStates.AnyAsync(s => s.UserId == actor.UserId && s.RoomId == room.Id, cancellationToken))
        {
            return;
        }

        db.RoomReadStates.Add(new RoomReadState { UserId = actor.UserId, RoomId = room.Id, LastReadSequence = mark });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another tab created the mark at the same moment; it moves forward on the next read.
        }
    }
}
