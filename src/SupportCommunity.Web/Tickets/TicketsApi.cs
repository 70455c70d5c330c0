using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SupportCommunity.Presence;
using SupportCommunity.Tickets;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Tickets;

/// <summary>Tickets over REST, for integrations and the widget: the same rules as the hub methods (docs/api.md, "Tickets").</summary>
public static class TicketsApi
{
    public static WebApplication MapTicketsApi(this WebApplication app)
    {
        var tickets = app.MapGroup("/api/tickets").RequireAuthorization().WithTags("Tickets");
        tickets.MapGet("/", ListDesk);
        tickets.MapGet("/mine", ListMine);
        tickets.MapGet("/agents", ListAgents);
        tickets.MapPost("/", Escalate);
        tickets.MapGet("/{number:int}", Get);
        tickets.MapPatch("/{number:int}", Update);
        tickets.MapPost("/{number:int}/replies", Reply);
        tickets.MapPost("/{number:int}/claim", Claim);
        tickets.MapPost("/{number:int}/rating", Rate);
        tickets.MapGet("/{number:int}/viewers", Viewers);
        return app;
    }

    private static async Task<Ok<TicketPage>> ListDesk(
        HttpContext context,
        TicketService tickets,
        bool? mine,
        bool? unassigned,
        bool? breached,
        [FromQuery(Name = "status")] string[]? status,
        string? priority,
        string? queue,
        string? q,
        string? sort,
        string? cursor,
        int? limit)
    {
        var query = new TicketQuery(
            Mine: mine ?? false,
            Unassigned: unassigned ?? false,
            Breached: breached ?? false,
            Statuses: status is { Length: > 0 } ? [.. status.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(s => Parse<TicketStatus>(s, "status"))] : null,
            Priority: priority is null ? null : Parse<TicketPriority>(priority, "priority"),
            Queue: queue,
            Search: q,
            Sort: sort is null ? TicketSort.DueSoonest : Parse<TicketSort>(sort, "sort"),
            Cursor: cursor,
            Limit: limit);
        return TypedResults.Ok(await tickets.ListDeskAsync(context.Caller(), query, context.RequestAborted));
    }

    private static async Task<Ok<TicketPage>> ListMine(HttpContext context, TicketService tickets, string? cursor, int? limit) =>
        TypedResults.Ok(await tickets.ListMineAsync(context.Caller(), cursor, limit, context.RequestAborted));

    private static async Task<Ok<IReadOnlyList<TicketAgentDto>>> ListAgents(HttpContext context, TicketService tickets) =>
        TypedResults.Ok(await tickets.ListAgentsAsync(context.Caller(), context.RequestAborted));

    private static async Task<Ok<TicketDto>> Get(int number, HttpContext context, TicketService tickets) =>
        TypedResults.Ok(await tickets.GetAsync(context.Caller(), number, context.RequestAborted));

    /// <summary>201 with the new ticket; 200 with the open ticket the thread or conversation already had.</summary>
    private static async Task<Results<Created<TicketDto>, Ok<TicketDto>>> Escalate(EscalateRequest request, HttpContext context, EscalationService escalation)
    {
        var result = await escalation.EscalateAsync(context.Caller(), request, context.RequestAborted);
        return result.Created
            ? TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/tickets/{result.Ticket.Number}"), result.Ticket)
            : TypedResults.Ok(result.Ticket);
    }

    private static async Task<Ok<TicketDto>> Update(int number, TicketPatchRequest request, HttpContext context, TicketService tickets)
    {
        var change = new TicketChange(
            request.ExpectedVersion ?? throw CommunityException.Invalid("expectedVersion is required: the version you last read."),
            request.Status,
            request.Priority,
            request.AssigneeId,
            request.Queue,
            request.Category);
        return TypedResults.Ok(await tickets.UpdateAsync(context.Caller(), number, change, context.RequestAborted));
    }

    private static async Task<Created<TicketReplyResult>> Reply(int number, TicketReplyRequest request, HttpContext context, TicketService tickets)
    {
        var result = await tickets.ReplyAsync(context.Caller(), number, request.Body, request.Internal, request.ClientEntryId, context.RequestAborted);
        return TypedResults.Created(string.Create(CultureInfo.InvariantCulture, $"/api/tickets/{number}"), result);
    }

    private static async Task<Ok<TicketDto>> Claim(int number, HttpContext context, TicketService tickets) =>
        TypedResults.Ok(await tickets.ClaimAsync(context.Caller(), number, context.RequestAborted));

    private static async Task<Ok<TicketDto>> Rate(int number, TicketRatingRequest request, HttpContext context, TicketService tickets) =>
        TypedResults.Ok(await tickets.RateAsync(
            context.Caller(), number, request.Rating ?? throw CommunityException.Invalid("rating must be 1 to 5."), request.Comment, context.RequestAborted));

    private static async Task<Ok<RoomPresence>> Viewers(int number, HttpContext context, TicketCollision collision) =>
        TypedResults.Ok(await collision.GetViewersAsync(context.Caller(), number, context.RequestAborted));

    private static T Parse<T>(string value, string name) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _)
            ? parsed
            : throw CommunityException.Invalid($"{name} must be one of: {string.Join(", ", Enum.GetNames<T>())}.");
}

/// <summary>PATCH body: <see cref="ExpectedVersion"/> is required; other fields null stay as they are; <c>assigneeId: ""</c> unassigns.</summary>
public sealed record TicketPatchRequest(
    int? ExpectedVersion,
    TicketStatus? Status = null,
    TicketPriority? Priority = null,
    string? AssigneeId = null,
    string? Queue = null,
    string? Category = null);

/// <summary><see cref="Internal"/>: an internal note (staff only).</summary>
public sealed record TicketReplyRequest(string? Body, bool Internal = false, Guid? ClientEntryId = null);

public sealed record TicketRatingRequest(int? Rating, string? Comment);
