using System.Globalization;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;

namespace SupportCommunity.Web.Notifications;

/// <summary>
/// The people the composer offers after an <c>@</c>: display names that start with what was typed, or have a word
/// that does ("@chen" finds Maya Chen). The match rules of the notifications themselves stay in Core
/// (NotificationService.FindMentionedAsync); this only suggests names that those rules will recognise.
/// </summary>
public sealed class MentionDirectory(IDbContextFactory<CommunityDbContext> dbFactory)
{
    public const int MaxSuggestions = 8;

    public async Task<IReadOnlyList<string>> SuggestAsync(string typed, CancellationToken cancellationToken = default)
    {
        var query = typed.Trim().ToLower(CultureInfo.InvariantCulture);
        if (query.Length == 0)
        {
            return [];
        }

        var wordStart = " " + query;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
#pragma warning disable CA1304, CA1311, CA1862 // translated to the database's lower(), which no culture affects
        return await db.Users.AsNoTracking()
            .Where(u => u.DisplayName.ToLower().StartsWith(query) || u.DisplayName.ToLower().Contains(wordStart))
            .Select(u => u.DisplayName)
            .Distinct()
            .OrderBy(name => name.ToLower().StartsWith(query) ? 0 : 1)
            .ThenBy(name => name)
            .Take(MaxSuggestions)
            .ToListAsync(cancellationToken);
#pragma warning restore CA1304, CA1311, CA1862
    }
}
