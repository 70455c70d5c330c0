using SupportCommunity.CannedResponses;
using SupportCommunity.Identity;
using SupportCommunity.Web.Moderation;

namespace SupportCommunity.Web.CannedResponses;

/// <summary>What the composer's <c>/</c> picker shows: the matching responses, and who is inserting them ({agent.name}).</summary>
public sealed record CannedSuggestion(IReadOnlyList<CannedResponseDto> Responses, string AgentName);

/// <summary>
/// The composer's way to canned responses for the circuit's user, with their rights as they are now (LiveActor).
/// Users who may not use canned responses get nothing and cost no query; the service checks again in any case.
/// </summary>
public sealed class CannedSuggestions(LiveActor live, CannedResponseService canned)
{
    /// <summary>The user, when they may use canned responses; otherwise null.</summary>
    public async Task<Actor?> UserAsync()
    {
        var actor = await live.GetAsync();
        return CannedResponseService.MayUse(actor) ? actor : null;
    }

    /// <summary>The responses for what follows the <c>/</c>; null when the user may not use them (any more).</summary>
    public async Task<CannedSuggestion?> SuggestAsync(string query, CancellationToken cancellationToken = default)
    {
        if (await UserAsync() is not { } actor)
        {
            return null;
        }

        try
        {
            return new CannedSuggestion(await canned.SearchAsync(actor, query, cancellationToken), actor.DisplayName);
        }
        catch (CommunityException)
        {
            return null;
        }
    }
}
