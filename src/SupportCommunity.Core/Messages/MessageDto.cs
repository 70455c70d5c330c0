namespace SupportCommunity.Messages;

/// <summary>A message as every client sees it (design.md §4). A deleted message has no body.</summary>
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
    bool Deleted)
{
    public static MessageDto From(Message m, string roomSlug) => new(
        m.Id,
        roomSlug,
        m.Sequence,
        m.Revision,
        m.ClientMessageId,
        m.AuthorId,
        m.AuthorName,
        m.AuthorRole,
        m.DeletedAt is null ? m.Body : null,
        m.ReplyToSequence,
        m.CreatedAt,
        m.EditedAt,
        m.DeletedAt is not null);
}

/// <summary>A page of history, oldest first. <see cref="HasMore"/> says whether older messages exist.</summary>
public sealed record HistoryPage(IReadOnlyList<MessageDto> Messages, bool HasMore);
