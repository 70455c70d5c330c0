using SupportCommunity.Identity;
using SupportCommunity.Messages;

namespace SupportCommunity.Tickets;

/// <summary>Who may do what with tickets, and the checks on their text.</summary>
public static class TicketRules
{
    /// <summary>Agents, managers and admins work the desk: every ticket, replies, notes, changes.</summary>
    public static bool WorksDesk(Actor? actor) => actor is not null && actor.IsStaff;

    public static bool IsQueueName(string? name) =>
        name is { Length: > 0 and <= 40 } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>One line, normalised like a message, 1 to 200 characters; refusals name the subject.</summary>
    public static string Subject(string? raw)
    {
        string text;
        try
        {
            text = MessageText.Normalize(raw, TicketOptions.MaxSubjectLength);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.TooLarge)
        {
            throw CommunityException.Invalid($"A subject can be at most {TicketOptions.MaxSubjectLength} characters.");
        }
        catch (CommunityException)
        {
            throw CommunityException.Invalid("A ticket needs a subject.");
        }

        return MessageText.Excerpt(text, int.MaxValue);
    }

    /// <summary>Optional free text, one line, at most 60 characters; empty when absent.</summary>
    public static string Category(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return "";
        }

        try
        {
            return MessageText.Excerpt(MessageText.Normalize(raw, TicketOptions.MaxCategoryLength), int.MaxValue);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.TooLarge)
        {
            throw CommunityException.Invalid($"A category can be at most {TicketOptions.MaxCategoryLength} characters.");
        }
        catch (CommunityException)
        {
            return "";
        }
    }

    /// <summary>The rating comment: optional, normalised, at most 1,000 characters.</summary>
    public static string? RatingComment(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        try
        {
            return MessageText.Normalize(raw, TicketOptions.MaxRatingCommentLength);
        }
        catch (CommunityException ex) when (ex.Error == CommunityError.TooLarge)
        {
            throw CommunityException.Invalid($"A comment can be at most {TicketOptions.MaxRatingCommentLength:N0} characters.");
        }
        catch (CommunityException)
        {
            return null;
        }
    }

    public static TicketPriority Priority(TicketPriority priority) =>
        Enum.IsDefined(priority) ? priority : throw CommunityException.Invalid("priority must be Low, Normal, High or Urgent.");

    public static TicketStatus Status(TicketStatus status) =>
        Enum.IsDefined(status) ? status : throw CommunityException.Invalid("status must be New, Open, PendingOnCustomer, OnHold, Solved or Closed.");

    /// <summary>The answer for a ticket the caller may not see, identical to a ticket that does not exist.</summary>
    public static CommunityException NotFound(int number) =>
        CommunityException.NotFound($"There is no ticket #{number}.");
}
