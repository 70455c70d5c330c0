using Microsoft.AspNetCore.Http.HttpResults;
using SupportCommunity.Notifications;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Notifications;

/// <summary>The bell and read marks over REST: the same rules as the hub methods (docs/api.md).</summary>
public static class NotificationsApi
{
    public static WebApplication MapNotificationsApi(this WebApplication app)
    {
        var notifications = app.MapGroup("/api/notifications").RequireAuthorization().WithTags("Notifications");
        notifications.MapGet("/", List);
        notifications.MapPost("/read", MarkRead);

        app.MapPost("/api/rooms/{slug}/read", MarkRoomRead).RequireAuthorization().WithTags("Rooms");
        return app;
    }

    private static async Task<Ok<NotificationPage>> List(long? before, HttpContext context, NotificationService notifications) =>
        TypedResults.Ok(await notifications.ListAsync(context.Caller(), before, context.RequestAborted));

    private static async Task<Ok<UnreadNotifications>> MarkRead(MarkNotificationsReadRequest request, HttpContext context, NotificationService notifications) =>
        TypedResults.Ok(new UnreadNotifications(await notifications.MarkReadAsync(context.Caller(), request.Id, context.RequestAborted)));

    private static async Task<NoContent> MarkRoomRead(string slug, MarkRoomReadRequest request, HttpContext context, RoomService rooms)
    {
        await rooms.MarkReadAsync(context.Caller(), slug, request.Sequence, context.RequestAborted);
        return TypedResults.NoContent();
    }
}

/// <summary>Marks one entry read (<see cref="Id"/>), or every entry when it is null.</summary>
public sealed record MarkNotificationsReadRequest(long? Id);

public sealed record UnreadNotifications(int Unread);

public sealed record MarkRoomReadRequest(long Sequence);
