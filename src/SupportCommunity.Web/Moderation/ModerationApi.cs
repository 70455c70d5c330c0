using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Moderation;

/// <summary>REST for rights, sanctions, moderated edits and deletions, and the audit log (docs/api.md). The services authorize.</summary>
public static class ModerationApi
{
    public static WebApplication MapModerationApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/moderation").RequireAuthorization().WithTags("Moderation");
        api.MapPost("/messages/{id:long}/edit", Edit);
        api.MapPost("/messages/{id:long}/delete", Delete);
        api.MapGet("/messages/{id:long}/history", MessageHistory);
        api.MapPost("/sanctions", Apply);
        api.MapPost("/sanctions/{id:long}/lift", Lift);
        api.MapGet("/sanctions/mine", Mine);
        api.MapGet("/sanctions", ForUser);
        api.MapGet("/rights/mine", MyRights);
        api.MapGet("/rights/{userId}", Rights);
        api.MapPost("/rights/grant", Grant);
        api.MapPost("/rights/revoke", Revoke);
        api.MapGet("/audit", Audit);
        api.MapGet("/audit.csv", AuditCsvExport);
        return app;
    }

    private static async Task<Ok<MessageDto>> Edit(long id, ModerateEditRequest request, HttpContext context, MessageService messages) =>
        TypedResults.Ok(await messages.ModerateEditAsync(context.Caller(), id, request.Body, request.Reason, context.RequestAborted));

    private static async Task<Ok<MessageDto>> Delete(long id, ReasonRequest request, HttpContext context, MessageService messages) =>
        TypedResults.Ok(await messages.ModerateDeleteAsync(context.Caller(), id, request.Reason, context.RequestAborted));

    private static async Task<Ok<MessageHistoryDto>> MessageHistory(long id, HttpContext context, AuditService audit) =>
        TypedResults.Ok(await audit.GetMessageHistoryAsync(context.Caller(), id, context.RequestAborted));

    private static async Task<Created<SanctionDto>> Apply(SanctionRequest request, HttpContext context, SanctionService sanctions)
    {
        var actor = context.Caller();
        TimeSpan? duration = request.Minutes is { } m ? TimeSpan.FromMinutes(m) : null;
        var sanction = request.Kind switch
        {
            "timeout" => await sanctions.TimeoutAsync(
                actor, request.UserId ?? "", duration ?? throw CommunityException.Invalid("A timeout needs minutes."), request.Reason, request.RoomSlug, context.RequestAborted),
            "room-ban" => await sanctions.BanFromRoomAsync(actor, request.UserId ?? "", request.RoomSlug ?? "", duration, request.Reason, context.RequestAborted),
            "community-ban" => await sanctions.BanFromCommunityAsync(actor, request.UserId ?? "", duration, request.Reason, context.RequestAborted),
            _ => throw CommunityException.Invalid("kind must be timeout, room-ban or community-ban."),
        };
        return TypedResults.Created($"/api/moderation/sanctions?userId={Uri.EscapeDataString(sanction.UserId)}", sanction);
    }

    private static async Task<Ok<SanctionDto>> Lift(long id, ReasonRequest request, HttpContext context, SanctionService sanctions) =>
        TypedResults.Ok(await sanctions.LiftAsync(context.Caller(), id, request.Reason, context.RequestAborted));

    private static async Task<Ok<IReadOnlyList<SanctionDto>>> Mine(HttpContext context, SanctionService sanctions) =>
        TypedResults.Ok(await sanctions.GetMineAsync(context.Caller(), context.RequestAborted));

    private static async Task<Ok<IReadOnlyList<SanctionDto>>> ForUser(string? userId, HttpContext context, SanctionService sanctions) =>
        TypedResults.Ok(await sanctions.ListForUserAsync(context.Caller(), userId ?? "", context.RequestAborted));

    private static async Task<Ok<MemberRightsDto>> MyRights(HttpContext context, GrantService grants) =>
        TypedResults.Ok(await grants.GetMineAsync(context.Caller(), context.RequestAborted));

    private static async Task<Ok<MemberRightsDto>> Rights(string userId, HttpContext context, GrantService grants) =>
        TypedResults.Ok(await grants.GetAsync(context.Caller(), userId, context.RequestAborted));

    private static async Task<Ok<MemberRightsDto>> Grant(RoleRequest request, HttpContext context, GrantService grants) =>
        TypedResults.Ok(await grants.GrantAsync(context.Caller(), request.UserId ?? "", request.Role ?? "", request.Rooms, request.Reason, context.RequestAborted));

    private static async Task<Ok<MemberRightsDto>> Revoke(RoleRequest request, HttpContext context, GrantService grants) =>
        TypedResults.Ok(await grants.RevokeAsync(context.Caller(), request.UserId ?? "", request.Role ?? "", request.Rooms, request.Reason, context.RequestAborted));

    private static async Task<Ok<AuditPage>> Audit(
        string? action, string? actorId, string? targetUserId, string? room, DateTimeOffset? from, DateTimeOffset? to, long? before, int? limit,
        string? actor, string? target, HttpContext context, AuditService audit) =>
        TypedResults.Ok(await audit.ListAsync(
            context.Caller(), new AuditFilter(action, actorId, targetUserId, room, from, to, actor, target), before, limit, context.RequestAborted));

    /// <summary>Streams the filtered log as CSV, newest first; formula-like cells are defused (<see cref="AuditCsv"/>).</summary>
    private static async Task AuditCsvExport(
        string? action, string? actorId, string? targetUserId, string? room, DateTimeOffset? from, DateTimeOffset? to,
        string? actor, string? target, HttpContext context, AuditService audit)
    {
        var caller = context.Caller();
        var filter = new AuditFilter(action, actorId, targetUserId, room, from, to, actor, target);
        // Refused before the first byte: a caller without access gets problem details, not an empty file.
        _ = await audit.ListAsync(caller, filter, before: null, limit: 1, context.RequestAborted);

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"audit.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024);
        await writer.WriteAsync(AuditCsv.Header);
        var rows = 0;
        await foreach (var entry in audit.StreamAsync(caller, filter, context.RequestAborted))
        {
            await writer.WriteAsync(AuditCsv.Row(entry));
            if (++rows % 500 == 0)
            {
                await writer.FlushAsync(context.RequestAborted);
            }
        }

        await writer.FlushAsync(context.RequestAborted);
    }
}

public sealed record ModerateEditRequest(string? Body, string? Reason);

public sealed record ReasonRequest(string? Reason);

/// <summary><see cref="Kind"/>: timeout, room-ban or community-ban; <see cref="Minutes"/> null for a ban until lifted.</summary>
public sealed record SanctionRequest(string? UserId, string? Kind, string? RoomSlug, int? Minutes, string? Reason);

public sealed record RoleRequest(string? UserId, string? Role, string[]? Rooms, string? Reason);
