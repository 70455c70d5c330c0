using Microsoft.AspNetCore.Http.HttpResults;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Moderation;

/// <summary>A room's calming controls and rules over REST (the hub has the same methods; docs/api.md).</summary>
public static class RoomControlsApi
{
    public static WebApplication MapRoomControlsApi(this WebApplication app)
    {
        var room = app.MapGroup("/api/rooms/{slug}").RequireAuthorization().WithTags("Room controls");
        room.MapGet("/controls", async (string slug, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.GetControlsAsync(context.Caller(), slug, context.RequestAborted)));
        room.MapPut("/controls/slow-mode", async (string slug, SlowModeRequest request, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.SetSlowModeAsync(context.Caller(), slug, request.Seconds, request.Reason, context.RequestAborted)));
        room.MapPut("/controls/lock", async (string slug, LockRequest request, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.LockAsync(context.Caller(), slug, request.Message, context.RequestAborted)));
        room.MapDelete("/controls/lock", async (string slug, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.UnlockAsync(context.Caller(), slug, reason: null, context.RequestAborted)));
        room.MapPost("/controls/cool-down", async (string slug, CoolDownRequest request, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.CoolDownAsync(context.Caller(), slug, request.Seconds, request.Notice, context.RequestAborted)));
        room.MapDelete("/controls/pin", async (string slug, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.UnpinAsync(context.Caller(), slug, context.RequestAborted)));
        room.MapGet("/rules", async (string slug, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.GetRulesAsync(context.Caller(), slug, context.RequestAborted)));
        room.MapPut("/rules", async (string slug, RulesRequest request, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.SetRulesAsync(context.Caller(), slug, request.Markdown, context.RequestAborted)));
        room.MapPost("/rules/accept", async (string slug, AcceptRulesRequest request, HttpContext context, RoomControlService controls) =>
            TypedResults.Ok(await controls.AcceptRulesAsync(context.Caller(), slug, request.Version, context.RequestAborted)));
        return app;
    }
}

public sealed record SlowModeRequest(int Seconds, string? Reason);

public sealed record LockRequest(string? Message);

public sealed record CoolDownRequest(int? Seconds, string? Notice);

public sealed record RulesRequest(string? Markdown);

public sealed record AcceptRulesRequest(int Version);
