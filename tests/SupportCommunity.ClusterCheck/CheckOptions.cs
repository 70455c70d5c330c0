namespace SupportCommunity.ClusterCheck;

public sealed record CheckOptions(Uri Url, string Room, int Clients, double Rate, TimeSpan Duration, string Password)
{
    /// <summary>Demo accounts that may send (customers are flood-limited, so staff and trusted members send).</summary>
    public static readonly string[] Senders = ["manager@demo.test", "agent@demo.test", "admin@demo.test"];

    public static readonly string[] Readers = ["customer@demo.test", "customer2@demo.test", "member@demo.test", "moderator@demo.test"];

    public static CheckOptions Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        return new CheckOptions(
            new Uri(Value("--url", "http://localhost:8080")),
            Value("--room", "general"),
            int.Parse(Value("--clients", "6"), System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(Value("--rate", "10"), System.Globalization.CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(Value("--seconds", "60"), System.Globalization.CultureInfo.InvariantCulture)),
            Value("--password", "Demo123!"));
    }
}
