using SupportCommunity.Web.Api;
using SupportCommunity.Webhooks;

namespace SupportCommunity.Web.Webhooks;

/// <summary>Outbound webhooks over REST: admins only, checked in <see cref="WebhookService"/> (docs/api.md, "Webhooks").</summary>
public static class WebhooksApi
{
    public static WebApplication MapWebhooksApi(this WebApplication app)
    {
        var hooks = app.MapGroup("/api/webhooks").RequireAuthorization().WithTags("Webhooks");
        hooks.MapGet("/", async (HttpContext context, WebhookService webhooks) =>
            TypedResults.Ok(await webhooks.ListAsync(context.Caller(), context.RequestAborted)));
        hooks.MapPost("/", async (WebhookEndpointInput input, HttpContext context, WebhookService webhooks) =>
        {
            var created = await webhooks.CreateAsync(context.Caller(), input, context.RequestAborted);
            return TypedResults.Created($"/api/webhooks/{created.Endpoint.Id}", created);
        });
        hooks.MapPatch("/{id:int}", async (int id, WebhookEndpointInput input, HttpContext context, WebhookService webhooks) =>
            TypedResults.Ok(await webhooks.UpdateAsync(context.Caller(), id, input, context.RequestAborted)));
        hooks.MapDelete("/{id:int}", async (int id, HttpContext context, WebhookService webhooks) =>
        {
            await webhooks.DeleteAsync(context.Caller(), id, context.RequestAborted);
            return TypedResults.NoContent();
        });
        hooks.MapPost("/{id:int}/rotate-secret", async (int id, HttpContext context, WebhookService webhooks) =>
            TypedResults.Ok(await webhooks.RotateSecretAsync(context.Caller(), id, context.RequestAborted)));
        hooks.MapPost("/{id:int}/test", async (int id, HttpContext context, WebhookService webhooks) =>
            TypedResults.Accepted((string?)null, await webhooks.SendTestAsync(context.Caller(), id, context.RequestAborted)));
        hooks.MapGet("/deliveries", async (int? endpointId, string? status, long? before, int? limit, HttpContext context, WebhookService webhooks) =>
            TypedResults.Ok(await webhooks.ListDeliveriesAsync(context.Caller(), endpointId, status, before, limit, context.RequestAborted)));
        hooks.MapPost("/deliveries/{id:long}/redeliver", async (long id, HttpContext context, WebhookService webhooks) =>
            TypedResults.Accepted((string?)null, await webhooks.RedeliverAsync(context.Caller(), id, context.RequestAborted)));
        return app;
    }
}
