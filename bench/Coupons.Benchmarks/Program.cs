using BenchmarkDotNet.Running;
using Coupons.Benchmarks.Core;

BenchmarkSwitcher.FromAssembly(typeof(CouponRulesBenchmarks).Assembly).Run(args);
