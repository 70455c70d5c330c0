using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SupportCommunity.Data;
using SupportCommunity.Demo;
using SupportCommunity.Identity;

namespace SupportCommunity.Web.Data;

/// <summary>The <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (the embedded default) or <c>SqlServer</c>.</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Apply pending migrations at start-up.</summary>
    public bool Migrate { get; set; } = true;
}

public static class DatabaseSetup
{
    public const string ConnectionStringName = "Community";

    public static WebApplicationBuilder AddCommunityDatabase(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        if (string.Equals(options.Provider, "SqlServer", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException($"Database:Provider is SqlServer but ConnectionStrings:{ConnectionStringName} is empty.");
            }

            builder.Services.AddPooledDbContextFactory<CommunityDbContext>(db => db.UseSqlServer(
                connectionString, sql => sql.MigrationsAssembly("SupportCommunity.Migrations.SqlServer")));
        }
        else if (string.Equals(options.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            connectionString ??= DefaultSqliteConnectionString(builder.Environment);
            builder.Services.AddPooledDbContextFactory<CommunityDbContext>(db => db
                .UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly("SupportCommunity.Migrations.Sqlite"))
                .AddInterceptors(SqliteConnectionSettings.Instance));
        }
        else
        {
            throw new InvalidOperationException($"Database:Provider must be Sqlite or SqlServer, not '{options.Provider}'.");
        }

        // Feature services create a context per operation from the pooled factory; Identity and the key ring take a
        // scoped one from the same pool.
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<CommunityDbContext>>().CreateDbContext());
        builder.Services.Configure<DatabaseOptions>(builder.Configuration.GetSection(DatabaseOptions.Section));
        builder.Services.AddSingleton(new DemoMode(
            builder.Configuration.GetValue<bool?>("Demo:Enabled") ?? !builder.Environment.IsProduction()));
        return builder;
    }

    /// <summary>Migrates (unless turned off), switches SQLite to WAL, seeds the roles and, in demo mode, the demo community.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<CommunityDbContext>();

        if (app.Configuration.GetValue(DatabaseOptions.Section + ":" + nameof(DatabaseOptions.Migrate), true))
        {
            await db.Database.MigrateAsync();
        }

        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while a message is written; the mode is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        await RoleSeeder.EnsureRolesAsync(services.GetRequiredService<RoleManager<IdentityRole>>());

        if (services.GetRequiredService<DemoMode>().Enabled)
        {
            await DemoCommunity.SeedAsync(db, services.GetRequiredService<UserManager<CommunityUser>>(), TimeProvider.System);
        }
    }

    private static string DefaultSqliteConnectionString(IWebHostEnvironment environment)
    {
        var folder = Path.Combine(environment.ContentRootPath, "App_Data");
        Directory.CreateDirectory(folder);
        return $"Data Source={Path.Combine(folder, "community.db")}";
    }
}

/// <summary>Demo mode seeds the demo community and offers its accounts on the sign-in page.
/// <c>Demo:Enabled</c> when set; otherwise on everywhere but Production.</summary>
public sealed record DemoMode(bool Enabled);
