using Microsoft.AspNetCore.Http.Features;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Api;

/// <summary>
/// Middleware that a long-lived request goes through to their end before its endpoint runs, rather than around it.
/// </summary>
/// <remarks>
/// A hub connection's request stays in the pipeline for the connection's whole life. Middleware that awaits the
/// rest of the pipeline stays suspended with it, holding what it used: the authentication and authorization
/// middleware hold the authentication handlers (each caching its result, with the full principal and ticket), the
/// policy evaluator and the authorization services; the exception handler and status-code pages hold their own
/// state. About 4.5 KB per idle connection (docs/performance.md, "Idle memory"). So a long-lived request goes
/// through the same middleware, built a second time, in a pipeline that ends once the request has passed them all;
/// the endpoint runs after that, with nothing of theirs held. They decide exactly as for any request: the same
/// schemes and policies, the same refusals (401, 403, 429 with problem details). What they would do after the
/// endpoint does not apply here: by then the response has started (101 Switching Protocols, or the stream or poll
/// the transport writes), and the transport writes its own errors with a body.
/// The middleware resolve their services from a scope of their own, disposed once they are done, rather than from
/// the request's scope, which would live (and wait for disposal) as long as the connection. Anything later in the
/// request that asks for <c>RequestServices</c> gets a request scope as usual.
/// </remarks>
public static class LongLivedRequests
{
    /// <summary>Set by the end of the first pipeline: the request passed every middleware in it.</summary>
    private static readonly object PassedKey = new();

    /// <summary>
    /// A transport request of the community hub: the WebSocket, the server-sent events stream or a long poll, each a
    /// GET of the hub's own path (negotiate and sends are POSTs, and short).
    /// </summary>
    public static bool IsHubTransport(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && context.Request.Path.StartsWithSegments(CommunityHub.Path, StringComparison.OrdinalIgnoreCase, out var rest)
        && (!rest.HasValue || rest.Value == "/");

    /// <summary>
    /// Adds <paramref name="middleware"/> to the pipeline, for every request; a request for which
    /// <paramref name="longLived"/> holds goes through them to their end first, then on to the rest of the pipeline.
    /// </summary>
    public static WebApplication UseRunToEndFirst(this WebApplication app, Func<HttpContext, bool> longLived, Action<IApplicationBuilder> middleware)
    {
        // The rest of the main pipeline, set while the pipeline is built, before the first middleware's factory
        // below runs (ApplicationBuilder.Build composes from the end).
        RequestDelegate? afterMiddleware = null;
        app.Use(next =>
        {
            var first = ((IApplicationBuilder)app).New();
            middleware(first);
            first.Run(context =>
            {
                context.Items[PassedKey] = PassedKey;
                return Task.CompletedTask;
            });
            var runFirst = first.Build();
            var rest = afterMiddleware ?? throw new InvalidOperationException("The pipeline after the middleware was not built.");
            var scopes = app.Services.GetRequiredService<IServiceScopeFactory>();
            return context => longLived(context) ? FirstThenRestAsync(context, scopes, runFirst, rest) : next(context);
        });
        // On the main pipeline itself, also so that the app knows authentication and authorization are in place.
        middleware(app);
        app.Use(next => afterMiddleware = next);
        return app;
    }

    /// <remarks>Not async unless a middleware is: nothing of this method stays suspended while the connection lives.</remarks>
    private static Task FirstThenRestAsync(HttpContext context, IServiceScopeFactory scopes, RequestDelegate runFirst, RequestDelegate rest)
    {
        var scope = scopes.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        Task passing;
        try
        {
            passing = runFirst(context);
        }
        catch (Exception ex)
        {
            passing = Task.FromException(ex);
        }

        if (!passing.IsCompletedSuccessfully)
        {
            return ContinueAfterAsync(passing, scope, context, rest);
        }

        var ended = EndScope(context, scope);
        return ended.IsCompletedSuccessfully ? Continue(context, rest) : ContinueAfterAsync(ended.AsTask(), scope: null, context, rest);
    }

    private static async Task ContinueAfterAsync(Task passing, AsyncServiceScope? scope, HttpContext context, RequestDelegate rest)
    {
        try
        {
            await passing;
        }
        finally
        {
            if (scope is { } ending)
            {
                await EndScope(context, ending);
            }
        }

        // Neither the finished task nor the scope is kept for the connection's life.
        passing = Task.CompletedTask;
        scope = null;
        await Continue(context, rest);
    }

    /// <summary>Disposes the scope; the request's next use of <c>RequestServices</c> makes a request scope.</summary>
    private static ValueTask EndScope(HttpContext context, AsyncServiceScope scope)
    {
        context.Features.Set<IServiceProvidersFeature>(null);
        return scope.DisposeAsync();
    }

    /// <summary>On to the rest of the pipeline if the request passed; otherwise a middleware has answered it.</summary>
    private static Task Continue(HttpContext context, RequestDelegate rest) =>
        context.Items.Remove(PassedKey) ? rest(context) : Task.CompletedTask;
}
