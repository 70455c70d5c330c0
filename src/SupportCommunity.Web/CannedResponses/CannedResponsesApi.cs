using SupportCommunity.CannedResponses;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.CannedResponses;

/// <summary>Canned responses over REST, for staff and volunteer moderators (docs/api.md).</summary>
public static class CannedResponsesApi
{
    public static WebApplication MapCannedResponsesApi(this WebApplication app)
    {
        var canned = app.MapGroup("/api/canned-responses").RequireAuthorization().WithTags("Canned responses");
        canned.MapGet("/", async (string? q, HttpContext context, CannedResponseService service) =>
            TypedResults.Ok(q is null
                ? await service.ListAsync(context.Caller(), context.RequestAborted)
                : await service.SearchAsync(context.Caller(), q, context.RequestAborted)));
        canned.MapPost("/", async (CannedResponseInput input, HttpContext context, CannedResponseService service) =>
        {
            var created = await service.CreateAsync(context.Caller(), input, context.RequestAborted);
            return TypedResults.Created($"/api/canned-responses/{created.Id}", created);
        });
        canned.MapPut("/{id:int}", async (int id, CannedResponseInput input, HttpContext context, CannedResponseService service) =>
            TypedResults.Ok(await service.UpdateAsync(context.Caller(), id, input, context.RequestAborted)));
        canned.MapDelete("/{id:int}", async (int id, HttpContext context, CannedResponseService service) =>
        {
            await service.DeleteAsync(context.Caller(), id, context.RequestAborted);
            return TypedResults.NoContent();
        });
        canned.MapPost("/{id:int}/restore", async (int id, HttpContext context, CannedResponseService service) =>
            TypedResults.Ok(await service.RestoreAsync(context.Caller(), id, context.RequestAborted)));
        return app;
    }
}
