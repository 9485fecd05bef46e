using Coupons.Conformance;

namespace Coupons.Redis.Tests;

[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisCluster>
{
    public const string Name = "redis-cluster";
}

/// <summary>The store contract on a 3-master Redis Cluster.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterConformance(RedisCluster cluster) : RedisStoreConformance
{
    protected override string Configuration => cluster.Configuration;
}

/// <summary>
/// The store contract with every campaign's stock split into buckets of two units (up to eight
/// buckets, each in its own hash slot), on a 3-master Redis Cluster: users claim from their own
/// bucket and sold-out buckets borrow, and the contract must hold all the same.
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisBucketsConformance(RedisCluster cluster) : RedisStoreConformance
{
    protected override string Configuration => cluster.Configuration;

    protected override void Configure(RedisStoreOptions options)
    {
        options.StockPerBucket = 2;
        options.MaxBuckets = 8;
    }
}
