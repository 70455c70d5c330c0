// An operator's check of a running cluster (deploy/local/cluster.sh, or any deployment): hub clients through the
// load balancer send and follow one room while you stop Redis or kill a node, then every client's view is compared
// with the database. Exit code 0 only when nothing was lost, duplicated or reordered.
//
//   dotnet run --project tests/SupportCommunity.ClusterCheck -- --url http://localhost:8080 --seconds 90
using SupportCommunity.ClusterCheck;

var options = CheckOptions.Parse(args);
Console.WriteLine($"Checking {options.Url} room '{options.Room}' with {options.Clients} clients for {options.Duration.TotalSeconds:0} s " +
                  $"at {options.Rate} msg/s. Break things now (stop Redis, kill a node); the check keeps going.");
var report = await ConsistencyCheck.RunAsync(options);
report.Print(Console.Out);
return report.Passed ? 0 : 1;
