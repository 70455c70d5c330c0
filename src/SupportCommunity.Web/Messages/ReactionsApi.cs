using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SupportCommunity.Messages;
using SupportCommunity.Web.Api;

namespace SupportCommunity.Web.Messages;

/// <summary>Reactions on a message, addressed by its id like reports (docs/api.md, "Reactions").</summary>
public static class ReactionsApi
{
    private const long MaxRequestBytes = 1024;

    public static WebApplication MapReactionsApi(this WebApplication app)
    {
        app.MapPost("/api/messages/{id:long}/reactions", Toggle)
            .RequireAuthorization()
            .WithTags("Messages")
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes));
        return app;
    }

    private static async Task<Ok<MessageDto>> Toggle(long id, ReactionRequest request, HttpContext context, MessageService messages) =>
        TypedResults.Ok(await messages.ToggleReactionAsync(context.Caller(), id, request.Emoji, request.On, context.RequestAborted));
}

/// <summary><see cref="On"/>: true adds, false removes, absent flips. A retried add or remove changes nothing.</summary>
public sealed record ReactionRequest(string? Emoji, bool? On = null);
