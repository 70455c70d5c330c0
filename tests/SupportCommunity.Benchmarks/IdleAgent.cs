namespace SupportCommunity.Benchmarks;

public static class IdleAgent
{
    public const string Command = "--idle-agent";

    public static Task<int> RunAsync(TextReader input, TextWriter output) => Task.FromResult(0);
}
