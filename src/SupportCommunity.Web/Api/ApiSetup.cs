using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using SupportCommunity.Identity;
using SupportCommunity.Web.Account;
using SupportCommunity.Web.Security;

namespace SupportCommunity.Web.Api;

public static class ApiSetup
{
    /// <summary>ASP.NET Core's request log: "Request starting ... {Path}{QueryString}".</summary>
    private const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static WebApplicationBuilder AddCommunityApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<CommunityExceptionHandler>();

        // Hub clients put their token on the query string, and the request log prints it: cap that log at Warning.
        // A provider's own levels (Logging:Console:LogLevel:...) win over provider-neutral rules, so the cap goes
        // after configuration, once for every provider named there and once for all others.
        builder.Services.PostConfigure<LoggerFilterOptions>(options =>
        {
            foreach (var provider in options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList())
            {
                options.Rules.Add(new LoggerFilterRule(provider, RequestLogCategory, LogLevel.Warning, filter: null));
            }
        });
        return builder;
    }

    /// <summary>The HTTP pipeline, in order.</summary>
    public static WebApplication UseCommunityPipeline(this WebApplication app)
    {
        app.UseSecurityHeaders();
        var development = app.Environment.IsDevelopment();
        // The hub's transport requests (its WebSocket, above all) live as long as their connection: they go through
        // these middleware to the end before the hub takes them, so that none stays suspended around the connection
        // holding what it used (LongLivedRequests says why, and what that keeps per connection).
        app.UseRunToEndFirst(LongLivedRequests.IsHubTransport, pipeline =>
        {
            pipeline.UseExceptionHandler();
            // API errors without a body (bad route values, 401, 405) still answer with problem details.
            pipeline.UseWhen(c => IdentitySetup.IsApiOrHub(c.Request), api => api.UseStatusCodePages());
            pipeline.UseWhen(c => !IdentitySetup.IsApiOrHub(c.Request), ui => ui.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
            if (!development)
            {
                pipeline.UseHsts();
            }

            pipeline.UseAuthentication();
            pipeline.UseAuthorization();
            pipeline.Use(IdentitySetup.ForgetHubCredentials);
            // REST callers act with their roles as stored now, not as issued in their token (ADR-0008).
            pipeline.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), api => api.Use(async (context, next) =>
            {
                if (context.User.Identity?.IsAuthenticated == true
                    && await context.RequestServices.GetRequiredService<ActorDirectory>().GetAsync(context.User, context.RequestAborted) is { } actor)
                {
                    context.Items[typeof(Actor)] = actor;
                }

                await next(context);
            }));
            pipeline.UseHubGuards();
            pipeline.UseAntiforgery();
        });
        return app;
    }

    /// <summary>The signed-in caller of an authorized endpoint, with their current roles (read by the pipeline).</summary>
    public static Actor Caller(this HttpContext context) =>
        context.Items.TryGetValue(typeof(Actor), out var actor) && actor is Actor current
            ? current
            : throw CommunityException.Forbidden("Sign in to use the community.");

    public static int StatusCode(this CommunityError error) => error switch
    {
        CommunityError.Invalid => StatusCodes.Status400BadRequest,
        CommunityError.NotFound => StatusCodes.Status404NotFound,
        CommunityError.Forbidden => StatusCodes.Status403Forbidden,
        CommunityError.Conflict => StatusCodes.Status409Conflict,
        CommunityError.TooLarge => StatusCodes.Status413PayloadTooLarge,
        CommunityError.TooManyRequests => StatusCodes.Status429TooManyRequests,
        CommunityError.Held => StatusCodes.Status202Accepted,
        CommunityError.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };
}

/// <summary>Maps refusals from the feature services, and bad requests, to RFC 9457 problem details.</summary>
internal sealed class CommunityExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (CommunityException.IsTransient(exception))
        {
            exception = CommunityException.Busy();
        }

        var (status, detail) = exception switch
        {
            CommunityException refusal => (refusal.Error.StatusCode(), refusal.Message),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read. Check its JSON and parameters."),
            _ => (0, null),
        };
        if (status == 0)
        {
            return false;
        }

        if (exception is CommunityException { RetryAfter: { } retryAfter })
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Detail = detail },
        });
    }
}
