using Coupons.Postgres;
using Coupons.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Tests;

/// <summary>
/// The Redis store and its PostgreSQL persister register themselves (<c>AddRedisStore</c>,
/// <c>AddPostgresPersister</c>): a bad setting stops the start with its key named, and the
/// persister runs only where shards are configured. Nothing here connects anywhere.
/// </summary>
public sealed class RedisStoreSetupTests
{
    private static IServiceCollection Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        return new ServiceCollection().AddRedisStore(configuration).AddPostgresPersister(configuration);
    }

    [Theory]
    [InlineData("Coupons:Redis:Configuration", "", "Coupons:Redis:Configuration is required")]
    [InlineData("Coupons:Redis:KeyPrefix", "a{b}:", "Coupons:Redis:KeyPrefix must not contain braces")]
    [InlineData("Coupons:Redis:StockPerBucket", "0", "Coupons:Redis:StockPerBucket must be at least 1")]
    [InlineData("Coupons:Redis:SweepInterval", "00:00:00", "Coupons:Redis:SweepInterval")]
    [InlineData("Coupons:Postgres:Shards:0", " ", "Coupons:Postgres:Shards must not hold an empty connection string")]
    [InlineData("Coupons:Postgres:Persister:BatchSize", "0", "Coupons:Postgres:Persister:BatchSize")]
    public void A_bad_setting_stops_the_start_and_names_its_key(string key, string value, string message)
    {
        using var provider = Services((key, value)).BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_start()
    {
        using var provider = Services().BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void The_persister_runs_only_where_shards_are_configured()
    {
        static int Persisters(IServiceCollection services) =>
            services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "PersisterService");

        Assert.Equal(0, Persisters(Services()));
        Assert.Equal(1, Persisters(Services(("Coupons:Postgres:Shards:0", "Host=127.0.0.1;Database=shard0"))));
        Assert.Single(Services(), d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "RedisSweeper");
    }
}
