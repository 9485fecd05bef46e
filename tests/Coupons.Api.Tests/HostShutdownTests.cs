using Coupons.Api.Tests.Infrastructure;
using Coupons.Core;
using Coupons.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests;

/// <summary>Stopping the service: the host is disposed, and with it the store.</summary>
public sealed class HostShutdownTests
{
    [Fact]
    public async Task Both_store_registrations_are_the_same_instance()
    {
        await using var factory = new CouponsApiFactory();
        await ((IAsyncLifetime)factory).InitializeAsync();
        Assert.Same(factory.Services.GetRequiredService<EmbeddedCouponStore>(), factory.Services.GetRequiredService<ICouponStore>());
    }

    [Fact]
    public async Task Stopping_the_host_does_not_throw()
    {
        var factory = new CouponsApiFactory();
        await ((IAsyncLifetime)factory).InitializeAsync();
        var failure = await Record.ExceptionAsync(async () => await factory.DisposeAsync());
        Assert.Null(failure);
    }

    [Fact]
    public async Task Disposing_the_store_twice_does_not_throw()
    {
        await using var factory = new CouponsApiFactory();
        await ((IAsyncLifetime)factory).InitializeAsync();
        var store = factory.Services.GetRequiredService<EmbeddedCouponStore>();
        store.Dispose();
        Assert.Null(Record.Exception(store.Dispose));
    }
}
