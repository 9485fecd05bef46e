using System.Collections.Concurrent;

namespace Coupons.Embedded.Tests;

/// <summary>Runs work on dedicated threads that start together, so the store sees real contention.</summary>
internal static class Threads
{
    /// <summary>
    /// Starts <paramref name="count"/> threads; each calls <paramref name="body"/> with its index and the
    /// shared barrier (already passed once, so all start at the same moment). Rethrows the first failure.
    /// </summary>
    public static void Run(int count, Action<int, Barrier> body)
    {
        using var barrier = new Barrier(count);
        var failures = new ConcurrentQueue<Exception>();
        var threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    barrier.SignalAndWait();
                    body(index, barrier);
                }
                catch (Exception exception)
                {
                    failures.Enqueue(exception);
                    barrier.RemoveParticipant();
                }
            })
            { IsBackground = true, Name = "test-worker-" + index };
            threads[i].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (!failures.IsEmpty)
        {
            throw new AggregateException(failures);
        }
    }

    /// <summary>Waits for a store call from a worker thread (never from a test method itself).</summary>
    public static T Wait<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
}
