namespace SupportCommunity.Benchmarks.Measurement;

/// <summary>The managed heap after a full, compacting collection, and the resident set of this process.</summary>
public sealed record MemorySnapshot(long HeapBytes, long RssBytes)
{
    public static MemorySnapshot Take()
    {
        // Aggressive: compacts and gives freed memory back to the OS, so RSS reflects what is still in use.
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        var heap = GC.GetTotalMemory(forceFullCollection: true);
        return new MemorySnapshot(heap, Environment.WorkingSet);
    }
}
