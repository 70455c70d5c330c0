using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SupportCommunity.Presence;

/// <summary>
/// Presence shared by every node. Per room, a sorted set holds each connection with its expiry time as score, and a
/// hash holds who the connection belongs to. Nodes renew their own connections on every heartbeat; entries that no
/// node renewed (a dead node's) expire and are pruned, so its users go offline by themselves. A heartbeat also
/// writes the full entries again, so presence recovers after Redis restarts empty.
/// While Redis is unreachable, reads return the last snapshot seen and writes wait for the next heartbeat.
/// </summary>
public sealed partial class RedisPresenceStore(
    IConnectionMultiplexer redis, string keyPrefix, TimeSpan expiry, TimeProvider clock, ILogger<RedisPresenceStore> logger)
    : IPresenceStore
{
    private readonly RedisKey _roomsKey = keyPrefix + ":presence:rooms";
    private readonly ConcurrentDictionary<string, RoomPresence> _lastSeen = new(StringComparer.Ordinal);

    public async Task<bool> AddAsync(string roomSlug, string connectionId, PresenceUser user)
    {
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            var before = await ReadUsersAsync(roomSlug);
            await WriteAsync(redis.GetDatabase(), roomSlug, connectionId, user);
            return !before.Any(u => u.Id == user.Id);
        }
        catch (RedisException ex)
        {
            Unavailable(ex);
            return false;
        }
    }

    public async Task<bool> RemoveAsync(string roomSlug, string connectionId, string userId)
    {
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            var db = redis.GetDatabase();
            var removed = await db.SortedSetRemoveAsync(ConnectionsKey(roomSlug), connectionId);
            await db.HashDeleteAsync(UsersKey(roomSlug), connectionId);
            return removed && !(await ReadUsersAsync(roomSlug)).Any(u => u.Id == userId);
        }
        catch (RedisException ex)
        {
            Unavailable(ex);
            return false;
        }
    }

    public async Task<RoomPresence> GetAsync(string roomSlug)
    {
        if (!redis.IsConnected)
        {
            return _lastSeen.GetValueOrDefault(roomSlug, RoomPresence.Empty);
        }

        try
        {
            var snapshot = PresenceSnapshot.Of(await ReadUsersAsync(roomSlug));
            _lastSeen[roomSlug] = snapshot;
            return snapshot;
        }
        catch (RedisException ex)
        {
            Unavailable(ex);
            return _lastSeen.GetValueOrDefault(roomSlug, RoomPresence.Empty);
        }
    }

    public async Task<IReadOnlyCollection<string>> HeartbeatAsync(
        IReadOnlyCollection<(string RoomSlug, string ConnectionId, PresenceUser User)> local)
    {
        if (!redis.IsConnected)
        {
            return [];
        }

        try
        {
            var db = redis.GetDatabase();
            var changed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (roomSlug, connectionId, user) in local)
            {
                // A connection that was missing (Redis restarted empty) is a user coming back.
                if (await db.SortedSetScoreAsync(ConnectionsKey(roomSlug), connectionId) is null)
                {
                    changed.Add(roomSlug);
                }

                await WriteAsync(db, roomSlug, connectionId, user);
            }

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var room in await db.SetMembersAsync(_roomsKey))
            {
                var slug = room.ToString();
                var expired = await db.SortedSetRangeByScoreAsync(ConnectionsKey(slug), double.NegativeInfinity, now);
                if (expired.Length == 0)
                {
                    continue;
                }

                await db.SortedSetRemoveAsync(ConnectionsKey(slug), expired);
                await db.HashDeleteAsync(UsersKey(slug), expired);
                changed.Add(slug);
            }

            return changed;
        }
        catch (RedisException ex)
        {
            Unavailable(ex);
            return [];
        }
    }

    private async Task WriteAsync(IDatabase db, string roomSlug, string connectionId, PresenceUser user)
    {
        var expiresAt = clock.GetUtcNow().Add(expiry).ToUnixTimeMilliseconds();
        await Task.WhenAll(
            db.SortedSetAddAsync(ConnectionsKey(roomSlug), connectionId, expiresAt),
            db.HashSetAsync(UsersKey(roomSlug), connectionId, string.Join('\t', user.Id, user.Name, user.Role)),
            db.SetAddAsync(_roomsKey, roomSlug));
    }

    private async Task<IReadOnlyList<PresenceUser>> ReadUsersAsync(string roomSlug)
    {
        var db = redis.GetDatabase();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var live = await db.SortedSetRangeByScoreAsync(ConnectionsKey(roomSlug), now, double.PositiveInfinity, Exclude.Start);
        if (live.Length == 0)
        {
            return [];
        }

        var entries = await db.HashGetAsync(UsersKey(roomSlug), live);
        return [.. entries
            .Where(e => e.HasValue)
            .Select(e => e.ToString().Split('\t', 3))
            .Where(parts => parts.Length == 3)
            .Select(parts => new PresenceUser(parts[0], parts[1], parts[2]))];
    }

    private RedisKey ConnectionsKey(string roomSlug) => $"{keyPrefix}:presence:{roomSlug}";

    private RedisKey UsersKey(string roomSlug) => $"{keyPrefix}:presence:{roomSlug}:users";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable for presence; the next heartbeat repairs it")]
    private partial void Unavailable(Exception exception);
}
