using Microsoft.AspNetCore.Http.Features;
using SupportCommunity.Web.Realtime;

namespace SupportCommunity.Web.Account;

/// <summary>
/// Authentication and authorization for every request, with the community hub's requests taken through them to the
/// end before the rest of the pipeline runs.
/// </summary>
/// <remarks>
/// A hub connection's request stays in the pipeline for the connection's whole life. ASP.NET Core's authentication
/// and authorization middleware await the rest of the pipeline, and their suspended state holds what they used: the
/// authentication handlers (each caching its result, with the full principal and ticket), the policy evaluator and
/// the authorization services, about 4 KB per idle connection (docs/performance.md, "Idle memory"). So the hub's
/// requests go through the same two middleware in a pipeline of their own, which ends once they let the request
/// pass; the rest of the main pipeline runs after that, with nothing of theirs held. They decide exactly as before:
/// the same schemes, the same endpoint metadata, the same challenge (401) or forbid (403) when they refuse.
/// </remarks>
public static class HubAuthentication
{
    /// <summary>Set by the end of the hub's authentication pipeline: the request passed both middleware.</summary>
    private static readonly object PassedKey = new();

    /// <summary>In place of <c>UseAuthentication()</c> and <c>UseAuthorization()</c>, at the same point in the pipeline.</summary>
    public static WebApplication UseCommunityAuthentication(this WebApplication app)
    {
        // The main pipeline after authorization, which hub requests continue with; set while the pipeline is built,
        // before the first middleware's factory below runs (ApplicationBuilder.Build composes from the end).
        RequestDelegate? afterAuthorization = null;
        app.Use(next =>
        {
            var gate = ((IApplicationBuilder)app).New();
            gate.UseAuthentication();
            gate.UseAuthorization();
            gate.Run(context =>
            {
                context.Items[PassedKey] = PassedKey;
                return Task.CompletedTask;
            });
            var authenticateAndAuthorize = gate.Build();
            var rest = afterAuthorization ?? throw new InvalidOperationException("The pipeline after authorization was not built.");
            var scopes = app.Services.GetRequiredService<IServiceScopeFactory>();
            return context => context.Request.Path.StartsWithSegments(CommunityHub.Path)
                ? HubRequestAsync(context, scopes, authenticateAndAuthorize, rest)
                : next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(next => afterAuthorization = next);
        return app;
    }

    /// <remarks>Not async unless authentication is: nothing of this method stays suspended while the connection lives.</remarks>
    private static Task HubRequestAsync(HttpContext context, IServiceScopeFactory scopes, RequestDelegate authenticateAndAuthorize, RequestDelegate rest)
    {
        var scope = scopes.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        Task passing;
        try
        {
            passing = authenticateAndAuthorize(context);
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

    /// <summary>On to the rest of the pipeline if the request passed; otherwise the middleware has answered it.</summary>
    private static Task Continue(HttpContext context, RequestDelegate rest) =>
        context.Items.Remove(PassedKey) ? rest(context) : Task.CompletedTask;
}
