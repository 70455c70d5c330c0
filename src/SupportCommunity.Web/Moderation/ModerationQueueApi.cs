using Microsoft.AspNetCore.Http.HttpResults;
using SupportCommunity.Messages;
using SupportCommunity.Moderation;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Moderation;

/// <summary>Reports and the moderation queue over REST (docs/api.md, "Reports and the moderation queue").</summary>
public static class ModerationQueueApi
{
    public static WebApplication MapModerationQueueApi(this WebApplication app)
    {
        app.MapPost("/api/messages/{id:long}/reports", Report).RequireAuthorization().WithTags("Moderation");

        var queue = app.MapGroup("/api/moderation").RequireAuthorization().WithTags("Moderation");
        queue.MapGet("/queue", (HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.GetAsync(actor, ct)));
        queue.MapGet("/queue/messages/{id:long}/context", (long id, HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.GetContextAsync(actor, id, ct)));
        queue.MapPost("/queue/messages/{id:long}/claim", async Task<NoContent> (long id, HttpContext context, ModerationQueueService moderation) =>
        {
            await moderation.ClaimAsync(context.Caller(), id, context.RequestAborted);
            return TypedResults.NoContent();
        });
        queue.MapPost("/queue/messages/{id:long}/dismiss", (long id, ReasonRequest request, HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.DismissAsync(actor, id, request.Reason, ct)));
        queue.MapPost("/queue/messages/{id:long}/delete", (long id, ReasonRequest request, HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.DeleteAsync(actor, id, request.Reason, ct)));
        queue.MapPost("/queue/messages/{id:long}/timeout", (long id, TimeoutRequest request, HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.TimeoutAuthorAsync(actor, id, request.Minutes, request.Reason, ct)));
        queue.MapPost("/queue/messages/{id:long}/unhide", (long id, ReasonRequest request, HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.UnhideAsync(actor, id, request.Reason, ct)));
        queue.MapPost("/queue/held/{id:long}/approve", (long id, HttpContext context, ModerationQueueService moderation) =>
            Run(context, (actor, ct) => moderation.ApproveHeldAsync(actor, id, ct)));
        queue.MapPost("/queue/held/{id:long}/reject", async Task<NoContent> (long id, ReasonRequest request, HttpContext context, ModerationQueueService moderation) =>
        {
            await moderation.RejectHeldAsync(context.Caller(), id, request.Reason, context.RequestAborted);
            return TypedResults.NoContent();
        });
        return app;
    }

    /// <summary>201 with the receipt for a new report; 200 with the earlier one when this member had already reported the message.</summary>
    private static async Task<Results<Created<ReportReceipt>, Ok<ReportReceipt>>> Report(
        long id, ReasonRequest request, HttpContext context, ModerationQueueService moderation)
    {
        var receipt = await moderation.ReportAsync(context.Caller(), id, request.Reason, context.RequestAborted);
        return receipt.AlreadyReported
            ? TypedResults.Ok(receipt)
            : TypedResults.Created($"/api/messages/{id}/reports/{receipt.ReportId}", receipt);
    }

    private static async Task<Ok<T>> Run<T>(HttpContext context, Func<SupportCommunity.Identity.Actor, CancellationToken, Task<T>> action) =>
        TypedResults.Ok(await action(context.Caller(), context.RequestAborted));
}

public sealed record TimeoutRequest(int Minutes, string? Reason);
