using SupportCommunity.Notifications;

namespace SupportCommunity.Web.Notifications;

/// <summary>Where a bell entry leads, and how it reads.</summary>
public static class NotificationLinks
{
    private const string PrivatePrefix = "private-";
    private const string NotesSuffix = "-notes";

    /// <summary>
    /// The page of a room or conversation: a private conversation and its staff notes ("private-…-notes") open on
    /// the conversation's page; anything else is a public room (whose slug may well end in "-notes").
    /// </summary>
    public static string PageOf(string roomSlug)
    {
        if (SupportCommunity.Tickets.TicketChannels.NumberOf(roomSlug) is { } ticket)
        {
            return $"tickets/{ticket}"; // a bell entry about a ticket (NotificationKind.Ticket)
        }

        if (!roomSlug.StartsWith(PrivatePrefix, StringComparison.Ordinal))
        {
            return $"rooms/{roomSlug}";
        }

        var conversation = roomSlug.EndsWith(NotesSuffix, StringComparison.Ordinal) ? roomSlug[..^NotesSuffix.Length] : roomSlug;
        return $"conversations/{conversation}";
    }

    public static bool IsConversation(string roomSlug) => roomSlug.StartsWith(PrivatePrefix, StringComparison.Ordinal);

    /// <summary>"Maya Chen mentioned you in #general".</summary>
    public static string Headline(NotificationDto n) => n.Kind switch
    {
        NotificationKind.Mention => $"{n.ActorName} mentioned you in {Place(n)}",
        NotificationKind.PrivateReply => $"{n.ActorName} replied privately",
        NotificationKind.ThreadReply => $"{n.ActorName} replied to your message in {Place(n)}",
        NotificationKind.Ticket => $"{n.ActorName} on ticket {n.RoomName}",
        _ => $"{n.ActorName} in {Place(n)}",
    };

    private static string Place(NotificationDto n) => IsConversation(n.RoomSlug) ? n.RoomName : "#" + n.RoomName;

    /// <summary>"just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date.</summary>
    public static string Ago(DateTimeOffset then, DateTimeOffset now)
    {
        var age = now - then;
        return age switch
        {
            { TotalMinutes: < 1 } => "just now",
            { TotalHours: < 1 } => $"{(int)age.TotalMinutes} min ago",
            { TotalDays: < 1 } => $"{(int)age.TotalHours} h ago",
            { TotalDays: < 2 } => "yesterday",
            { TotalDays: < 7 } => $"{(int)age.TotalDays} days ago",
            _ => then.ToString(then.Year == now.Year ? "MMM d" : "MMM d, yyyy", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
