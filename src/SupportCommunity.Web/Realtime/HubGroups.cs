namespace SupportCommunity.Web.Realtime;

/// <summary>The one place that names SignalR groups.</summary>
public static class HubGroups
{
    /// <summary>Every connection of one user: their bell and read marks.</summary>
    public static string User(string userId) => "user:" + userId;

    /// <summary>Staff and volunteer moderators: hints that the moderation queue changed (never its content).</summary>
    public const string Moderators = "moderators";

    /// <summary>Agents, managers and admins: every ticket's changes and entries (internal notes included).</summary>
    public const string Desk = "desk";
}
