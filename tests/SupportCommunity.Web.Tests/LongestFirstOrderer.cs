using SupportCommunity.Web.Tests.ScaleOut;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("SupportCommunity.Web.Tests.LongestFirstOrderer", "SupportCommunity.Web.Tests")]

namespace SupportCommunity.Web.Tests;

/// <summary>
/// Starts the longest collections first. xunit runs as many collections at once as there are cores (two here), in
/// this order; the scale-out collection runs its tests one after another for about two and a half minutes, and when
/// it happened to start last it ran alone while the other lane sat idle, which made this project the suite's longest
/// pole by a minute or more. The rest keep a stable order by name.
/// </summary>
public sealed class LongestFirstOrderer : ITestCollectionOrderer
{
    /// <summary>The collections that take longest, longest first (a class's own collection is named after it).</summary>
    private static readonly string[] Longest =
    [
        ScaleOutTests.Name,
        "DatabaseLockTests",
        "BenchmarkSmokeTests",
        "HubFuzzTests",
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static int Rank(ITestCollection collection)
    {
        for (var i = 0; i < Longest.Length; i++)
        {
            if (collection.DisplayName == Longest[i] || collection.DisplayName.EndsWith("." + Longest[i], StringComparison.Ordinal))
            {
                return i;
            }
        }

        return Longest.Length;
    }
}
