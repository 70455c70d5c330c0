using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using SupportCommunity.Messages;

namespace SupportCommunity.Web.Realtime;

/// <summary>
/// Turns refusals into a HubException with their clear message, and anything else into a generic one. A "too fast"
/// refusal is answered after <see cref="CommunityLimits.ThrottledAnswerPause"/>: the flooder waits, not the room.
/// </summary>
public sealed partial class HubErrorFilter(IOptions<CommunityLimits> limits, ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (CommunityException ex)
        {
            if (ex.Error == CommunityError.TooManyRequests)
            {
                await PauseAsync(ex.RetryAfter, invocationContext.Context.ConnectionAborted);
            }

            throw new HubException(ex.Message);
        }
        catch (HubException)
        {
            throw;
        }
        catch (Exception ex) when (CommunityException.IsTransient(ex))
        {
            Busy(ex, invocationContext.HubMethodName);
            throw new HubException(CommunityException.BusyMessage);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failed(ex, invocationContext.HubMethodName);
            throw new HubException("Something went wrong on our side. Please try again.");
        }
    }

    private async Task PauseAsync(TimeSpan? retryAfter, CancellationToken connectionAborted)
    {
        var pause = limits.Value.ThrottledAnswerPause;
        if (retryAfter is { } limit && limit < pause)
        {
            pause = limit;
        }

        if (pause > TimeSpan.Zero)
        {
            // Ends early, without an error of its own, when the connection goes.
            await Task.Delay(pause, connectionAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub method {Method} found the database busy; the caller was told to retry")]
    private partial void Busy(Exception exception, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed")]
    private partial void Failed(Exception exception, string method);
}
