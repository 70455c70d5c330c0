using System.Globalization;

namespace SupportCommunity.Benchmarks;

/// <summary>What to run and where to put the results. Parsed from the command line by <see cref="Parse"/>.</summary>
public sealed record SuiteOptions
{
    /// <summary>The scenarios to run, by name; empty runs them all in priority order.</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    /// <summary>Tiny sizes: every scenario runs end to end in a few seconds. The figures mean nothing.</summary>
    public bool Smoke { get; init; }

    /// <summary>
    /// Five times the measured time where a p99 over a few hundred messages is at the mercy of one stall of a shared
    /// machine (fan-out, flood-abuse), for a verdict the 5-minute suite cannot give; about 15 minutes in all.
    /// </summary>
    public bool LongRuns { get; init; }

    /// <summary>Where results.json and results.md go. Never the repository: results are run output, not source.</summary>
    public string OutputFolder { get; init; } = DefaultOutputFolder();

    /// <summary>Where the 1M-message history fixture is kept between runs.</summary>
    public string CacheFolder { get; init; } = DefaultCacheFolder();

    /// <summary>Only list the scenarios.</summary>
    public bool ListOnly { get; init; }

    /// <summary>Progress lines go here; the smoke test passes xunit's output.</summary>
    public TextWriter Log { get; init; } = Console.Out;

    public ScenarioSizes Sizes => Smoke ? ScenarioSizes.SmokeSizes : LongRuns ? ScenarioSizes.LongSizes : ScenarioSizes.Full;

    /// <summary>What the sizes are called in the results.</summary>
    public string SizesName => Smoke ? "smoke" : LongRuns ? "long" : "full";

    public const string Usage = """
        Usage: dotnet run -c Release --project tests/SupportCommunity.Benchmarks -- [options]
          --scenario <name>   run one scenario (repeatable): durable-send, history-page, fan-out, idle-memory,
                              cross-node, load-held, flood-abuse
          --smoke             every scenario at tiny sizes, in seconds (figures are meaningless)
          --long              fan-out and flood-abuse measured five times as long (about 15 minutes in all)
          --out <dir>         results folder (default: a new folder under the system temp folder)
          --cache <dir>       fixture cache (default: $XDG_CACHE_HOME or ~/.cache, /supportcommunity-bench)
          --list              list the scenarios and exit
          --help              this text
        """;

    public static SuiteOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SuiteOptions();
        var scenarios = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--scenario":
                    scenarios.Add(Value(args, ref i));
                    break;
                case "--smoke":
                    options = options with { Smoke = true };
                    break;
                case "--long":
                    options = options with { LongRuns = true };
                    break;
                case "--out":
                    options = options with { OutputFolder = Path.GetFullPath(Value(args, ref i)) };
                    break;
                case "--list":
                    options = options with { ListOnly = true };
                    break;
                case "--cache":
                    options = options with { CacheFolder = Path.GetFullPath(Value(args, ref i)) };
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }

        return options with { Scenarios = scenarios };
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.\n{Usage}");

    private static string DefaultOutputFolder() => Path.Combine(
        Path.GetTempPath(), "supportcommunity-bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    private static string DefaultCacheFolder()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "supportcommunity-bench");
    }
}

/// <summary>How big each scenario runs. The full sizes are the issue's; the smoke sizes only prove the code path.</summary>
public sealed record ScenarioSizes
{
    public static readonly ScenarioSizes Full = new();

    public static readonly ScenarioSizes SmokeSizes = new()
    {
        DurableSenders = 4,
        DurableAppDuration = TimeSpan.FromMilliseconds(500),
        DurableRawDuration = TimeSpan.FromMilliseconds(300),
        WarmupSlice = TimeSpan.FromMilliseconds(100),
        WarmupMaximum = TimeSpan.FromMilliseconds(300),
        HistoryMessages = 5_000,
        HistoryPages = 6,
        HistoryRepeats = 1,
        FanOutSteps = [new(5, TimeSpan.FromMilliseconds(500))],
        FanOutRounds = 1,
        LoadStepWarmup = TimeSpan.FromMilliseconds(200),
        IdleConnections = 30,
        IdleWarmConnections = 5,
        CrossNodeMembersPerNode = 2,
        CrossNodeDuration = TimeSpan.FromMilliseconds(500),
        LoadSteps = [15, 30],
        LoadStepDuration = TimeSpan.FromMilliseconds(500),
        FloodMembers = 5,
        FloodTabs = 2,
        FloodDuration = TimeSpan.FromMilliseconds(600),
        FloodRounds = 2,
    };

    /// <summary>The full sizes with five times the measured time, in five times the rounds, where a p99 is noise-bound.</summary>
    public static readonly ScenarioSizes LongSizes = Full with
    {
        FanOutSteps = [.. Full.FanOutSteps.Select(s => s with { Duration = s.Duration * 5 })],
        FanOutRounds = Full.FanOutRounds * 5,
        FloodDuration = Full.FloodDuration * 5,
        FloodRounds = Full.FloodRounds * 5,
    };

    public int DurableSenders { get; init; } = 16;

    public TimeSpan DurableAppDuration { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan DurableRawDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Warm-up before a measured run goes on in slices of this much load until a slice compiles almost nothing
    /// (<see cref="Measurement.JitWarmup"/>): until the runtime has compiled the hot methods optimized, a send costs
    /// several times its steady-state CPU.
    /// </summary>
    public TimeSpan WarmupSlice { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest warm-up; reaching it is logged, since the run after it is not at steady state.</summary>
    public TimeSpan WarmupMaximum { get; init; } = TimeSpan.FromSeconds(20);

    public int HistoryMessages { get; init; } = 1_000_000;

    /// <summary>Pages at random depths; as many again are read near the newest and near the oldest end for flatness.</summary>
    public int HistoryPages { get; init; } = 50;

    public int HistoryRepeats { get; init; } = 3;

    /// <summary>
    /// Members per step and the measured time per side. A p99 needs a few hundred messages, or one slow message
    /// decides it; small rooms are cheap, so they get longer runs at the same fixed rate. (Twice these, tried at
    /// 47f3828, gave the same verdicts and took the suite past its 5 minutes.)
    /// </summary>
    public IReadOnlyList<FanOutStep> FanOutSteps { get; init; } =
        [new(10, TimeSpan.FromSeconds(12)), new(100, TimeSpan.FromSeconds(8)), new(1000, TimeSpan.FromSeconds(4))];

    /// <summary>Messages per second from the one sender, on a fixed schedule.</summary>
    public double FanOutRate { get; init; } = 20;

    /// <summary>Each step's measured time is split into rounds taken in turns with the other side.</summary>
    public int FanOutRounds { get; init; } = 4;

    public int IdleConnections { get; init; } = 2_000;

    /// <summary>Opened before the first measurement, so one-time costs (JIT, pools) fall outside the difference.</summary>
    public int IdleWarmConnections { get; init; } = 100;

    public int CrossNodeMembersPerNode { get; init; } = 10;

    public TimeSpan CrossNodeDuration { get; init; } = TimeSpan.FromSeconds(8);

    public IReadOnlyList<int> LoadSteps { get; init; } = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000];

    /// <summary>Each room's sender, messages per second.</summary>
    public double LoadRatePerRoom { get; init; } = 5;

    public TimeSpan LoadStepDuration { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Load before each step's measurement, at the step's own size (the step's latency target is absolute).</summary>
    public TimeSpan LoadStepWarmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Members in the flooded room, the flooder's tabs, and the measured time per side.</summary>
    public int FloodMembers { get; init; } = 100;

    public int FloodTabs { get; init; } = 5;

    public TimeSpan FloodDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The room's own messages per second during the flood comparison: a busy room, and 1,000 messages a side, so its
    /// p99 (the tenth slowest message) does not rest on the three or four slowest of a few hundred.
    /// </summary>
    public double FloodRoomRate { get; init; } = 50;

    /// <summary>
    /// The flood's time per side is split into this many rounds taken in turns, so each round's p99 can be set
    /// beside the quiet round next to it.
    /// </summary>
    public int FloodRounds { get; init; } = 10;
}

/// <summary>One fan-out step: members in the room, and how long each side is measured.</summary>
public sealed record FanOutStep(int Members, TimeSpan Duration);
