namespace SupportCommunity.Presence;

/// <summary>
/// Where presence lives: this process alone, or Redis when several nodes share the community. Entries are per
/// connection (a hub connection or a browser circuit), so a user with two tabs is online until both close.
/// </summary>
public interface IPresenceStore
{
    /// <summary>Records the connection in the room. True when the user was not in the room before.</summary>
    Task<bool> AddAsync(string roomSlug, string connectionId, PresenceUser user);

    /// <summary>Removes the connection. True when it was the user's last one in the room.</summary>
    Task<bool> RemoveAsync(string roomSlug, string connectionId, string userId);

    Task<RoomPresence> GetAsync(string roomSlug);

    /// <summary>
    /// Keeps this node's connections alive and drops the ones no node renewed in time (a dead node's).
    /// Returns the rooms whose set of users changed.
    /// </summary>
    Task<IReadOnlyCollection<string>> HeartbeatAsync(IReadOnlyCollection<(string RoomSlug, string ConnectionId, PresenceUser User)> local);
}

internal static class PresenceSnapshot
{
    /// <summary>How many users a snapshot names; the count is always exact.</summary>
    public const int SampleSize = 50;

    /// <summary>One entry per user (a user may hold several connections), staff first, then by name.</summary>
    public static RoomPresence Of(IEnumerable<PresenceUser> connections)
    {
        var users = connections.DistinctBy(u => u.Id).ToList();
        return new RoomPresence(
            users.Count,
            [.. users
                .OrderBy(u => Identity.CommunityRoles.Rank(u.Role))
                .ThenBy(u => u.Name, StringComparer.CurrentCultureIgnoreCase)
                .Take(SampleSize)]);
    }
}
