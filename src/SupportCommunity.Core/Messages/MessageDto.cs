using SupportCommunity.Reactions;

namespace SupportCommunity.Messages;

/// <summary>
/// A message as every client sees it (design.md §4). A deleted message has no body. <see cref="ReplyToSequence"/>
/// names the thread a reply belongs to; <see cref="ReplyCount"/> counts a thread's replies on its first message;
/// <see cref="HelpedPrivately"/> marks a public message that staff answer in a private conversation.
/// <see cref="Hidden"/>: hidden by reports while a moderator reviews it; like a deleted message it has no body (staff
/// read it in the moderation queue). <see cref="RemovedByModerator"/>: deleted by someone other than its author
/// ("Removed by a moderator"). <see cref="Reactions"/>: per emoji, the count and who reacted (each viewer finds
/// themselves in it: one broadcast copy serves everyone); none on a deleted or hidden message.
/// </summary>
public sealed record MessageDto(
    long Id,
    string RoomSlug,
    long Sequence,
    long Revision,
    Guid ClientMessageId,
    string AuthorId,
    string AuthorName,
    string AuthorRole,
    string? Body,
    long? ReplyToSequence,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt,
    bool Deleted,
    int ReplyCount = 0,
    bool HelpedPrivately = false,
    bool Hidden = false,
    bool RemovedByModerator = false)
{
    public ReactionList Reactions { get; init; } = [];

    public static MessageDto From(Message m, string roomSlug) => new(
        m.Id,
        roomSlug,
        m.Sequence,
        m.Revision,
        m.ClientMessageId,
        m.AuthorId,
        m.AuthorName,
        m.AuthorRole,
        m.DeletedAt is null && m.HiddenAt is null ? m.Body : null,
        m.ReplyToSequence,
        m.CreatedAt,
        m.EditedAt,
        m.DeletedAt is not null,
        m.ReplyCount,
        m.HelpedPrivately,
        m.DeletedAt is null && m.HiddenAt is not null,
        m.DeletedAt is not null && m.DeletedById is not null && m.DeletedById != m.AuthorId)
    {
        Reactions = m.DeletedAt is null && m.HiddenAt is null ? ReactionSummary.Read(m.Reactions) : [],
    };
}

/// <summary>A page of history, oldest first. <see cref="HasMore"/> says whether older messages exist.</summary>
public sealed record HistoryPage(IReadOnlyList<MessageDto> Messages, bool HasMore);
