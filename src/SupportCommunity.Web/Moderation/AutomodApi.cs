using SupportCommunity.Moderation;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Moderation;

/// <summary>Automod rules over REST: community managers and admins only (docs/api.md).</summary>
public static class AutomodApi
{
    public static WebApplication MapAutomodApi(this WebApplication app)
    {
        var rules = app.MapGroup("/api/moderation/automod").RequireAuthorization().WithTags("Automod");
        rules.MapGet("/", async (HttpContext context, AutomodService automod) =>
            TypedResults.Ok(await automod.ListAsync(context.Caller(), context.RequestAborted)));
        rules.MapPost("/", async (AutomodRuleInput input, HttpContext context, AutomodService automod) =>
        {
            var rule = await automod.CreateAsync(context.Caller(), input, context.RequestAborted);
            return TypedResults.Created($"/api/moderation/automod/{rule.Id}", rule);
        });
        rules.MapPut("/{id:int}", async (int id, AutomodRuleInput input, HttpContext context, AutomodService automod) =>
            TypedResults.Ok(await automod.UpdateAsync(context.Caller(), id, input, context.RequestAborted)));
        rules.MapPost("/test", async (AutomodTestRequest request, HttpContext context, AutomodService automod) =>
            TypedResults.Ok(await automod.TestAsync(context.Caller(), request.Text, context.RequestAborted)));
        return app;
    }
}

public sealed record AutomodTestRequest(string? Text);
