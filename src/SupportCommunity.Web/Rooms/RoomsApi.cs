using Microsoft.AspNetCore.Http.HttpResults;
using SupportCommunity.Rooms;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Rooms;

public static class RoomsApi
{
    public static WebApplication MapRoomsApi(this WebApplication app)
    {
        var rooms = app.MapGroup("/api/rooms").RequireAuthorization().WithTags("Rooms");
        rooms.MapGet("/", ListRooms);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<RoomDto>>> ListRooms(HttpContext context, RoomService rooms) =>
        TypedResults.Ok(await rooms.ListAsync(context.Caller(), context.RequestAborted));
}
