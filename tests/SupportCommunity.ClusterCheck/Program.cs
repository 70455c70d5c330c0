// An operator's check of a running cluster (deploy/local/cluster.sh, or any deployment): hub clients through the
// load balancer send and follow one room while you stop Redis or kill a node, then every client's view is compared
// with the database. Exit code 0 only when nothing was lost, duplicated or reordered.
//
//   dotnet run --project tests/SupportCommunity.ClusterCheck -- --url http://localhost:8080 --seconds 90
//
// With --load it measures instead what the benchmark suite measures over the hub, from its own process: durable
// sends/s (16 senders awaiting acks) and fan-out latency to --clients room members (docs/performance.md).
//
//   dotnet run -c Release --project tests/SupportCommunity.ClusterCheck -- --load --url http://localhost:5000 --clients 100 --seconds 10
using SupportCommunity.ClusterCheck;

var options = CheckOptions.Parse(args);
if (args.Contains("--load"))
{
    Console.WriteLine($"Load check of {options.Url} room '{options.Room}': durable sends, then fan-out to {options.Clients} members, " +
                      $"{options.Duration.TotalSeconds:0} s each after a warm-up as long.");
    return await LoadCheck.RunAsync(options, Console.Out);
}

Console.WriteLine($"Checking {options.Url} room '{options.Room}' with {options.Clients} clients for {options.Duration.TotalSeconds:0} s " +
                  $"at {options.Rate} msg/s. Break things now (stop Redis, kill a node); the check keeps going.");
var report = await ConsistencyCheck.RunAsync(options);
report.Print(Console.Out);
return report.Passed ? 0 : 1;
