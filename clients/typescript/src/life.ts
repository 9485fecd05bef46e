// A coupon's life through the generated client: the README's curl walk-through ("A coupon's life
// over HTTP") with the very same bodies, then a second coupon released and refunded, alice's
// coupons page by page, problems read through their typed `code`, and the admin routes (the
// campaigns open to claims, a user's coupons, a revoke). Every answer is checked;
// the exit code is 1 on any mismatch.
//
//   node dist/life.js [API ADMIN ALICE ORDERS]
//
// or with the README's shell variables exported: API (base URL), ADMIN (role admin), ALICE (an
// end user) and ORDERS (role service) tokens, as `dotnet run --project src/Coupons.Api -- token` makes.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";
import { canonical, expectProblem, expectStatus, fail, finish, ok, same } from "./check.js";

type Client = ReturnType<typeof createClient<paths>>;
type Coupon = components["schemas"]["Coupon"];

function settings(): { api: string; admin: string; alice: string; orders: string } {
  const [api, admin, alice, orders] = process.argv.length > 2 ? process.argv.slice(2) : [
    process.env["API"], process.env["ADMIN"], process.env["ALICE"], process.env["ORDERS"],
  ];
  if (!api || !admin || !alice || !orders) {
    console.error("usage: node dist/life.js API ADMIN ALICE ORDERS (or set those four environment variables)");
    process.exit(2);
  }

  return { api: api.replace(/\/+$/, ""), admin, alice, orders };
}

function clientFor(api: string, token: string): Client {
  return createClient<paths>({ baseUrl: api, headers: { Authorization: `Bearer ${token}` } });
}

/** The README's steps 1 to 5; returns the campaign and the coupon used by order-1. */
async function walkThrough(admin: Client, alice: Client, orders: Client): Promise<{ campaign: string; coupon: string }> {
  // 1. an admin creates a campaign: 20% off (at most 50.00), orders from 10.00, 1,000 coupons, 2 per user
  const campaign = expectStatus("1. create the campaign", await admin.POST("/v1/campaigns", {
    body: {
      name: "Black Friday", discount: { type: "percent_off", percentOff: 20, maxDiscount: 5000 },
      minOrderAmount: 1000, totalStock: 1000, perUserLimit: 2, validity: { days: 30 },
    },
  }), 201);
  same("1. the campaign as created", [campaign.name, campaign.status, campaign.totalStock, campaign.remainingStock, campaign.perUserLimit],
    ["Black Friday", "active", 1000, 1000, 2]);

  // 2. alice claims one (201; the same Idempotency-Key again gives the same coupon with 200)
  const claim = () => alice.POST("/v1/campaigns/{id}/claim", {
    params: { path: { id: campaign.id }, header: { "Idempotency-Key": "7f0c2d1e" } },
  });
  const coupon = expectStatus("2. alice claims", await claim(), 201);
  const replay = expectStatus("2. the claim replayed", await claim(), 200);
  same("2. the replay gives the same coupon", [replay.id, replay.status, replay.userId], [coupon.id, "unused", "alice"]);

  // 3. checkout locks it for an order of 123.45
  const locked = expectStatus("3. lock for order-1", await orders.POST("/v1/coupons/{id}/lock", {
    params: { path: { id: coupon.id } }, body: { orderId: "order-1", orderAmount: 12345 },
  }), 200);
  same("3. locked: discount 2469, payable 9876", [locked.coupon.status, locked.discount, locked.payable], ["locked", 2469, 9876]);

  // 4. payment succeeded: redeem confirms the lock (repeat it safely: same answer)
  const redeem = () => orders.POST("/v1/coupons/{id}/redeem", {
    params: { path: { id: coupon.id } }, body: { orderId: "order-1" },
  });
  const redeemed = expectStatus("4. redeem order-1", await redeem(), 200);
  same("4. used by order-1", [redeemed.coupon.status, redeemed.coupon.orderId, redeemed.discount, redeemed.payable], ["used", "order-1", 2469, 9876]);
  same("4. the redeem repeated gives the same answer", canonical(expectStatus("4. redeem again", await redeem(), 200)), canonical(redeemed));

  // 5. live numbers
  const stats = expectStatus("5. stats", await admin.GET("/v1/campaigns/{id}/stats", { params: { path: { id: campaign.id } } }), 200);
  same("5. the README's numbers", stats, {
    campaignId: campaign.id, totalStock: 1000, issued: 1, remainingStock: 999, locked: 0, used: 1,
    released: 0, refunded: 0, expired: 0, revoked: 0, rejected: {},
  });
  return { campaign: campaign.id, coupon: coupon.id };
}

/** A second coupon: locked then released, redeemed in one step then refunded; a third claim is refused. */
async function secondCoupon(alice: Client, orders: Client, campaign: string): Promise<string> {
  const coupon = expectStatus("second coupon claimed", await alice.POST("/v1/campaigns/{id}/claim", {
    params: { path: { id: campaign }, header: { "Idempotency-Key": "c2b7a9e4" } },
  }), 201);

  const third = await alice.POST("/v1/campaigns/{id}/claim", { params: { path: { id: campaign } } });
  const refused = expectProblem("a third claim", third, 409);
  same("a third claim: 409 limit_reached (perUserLimit 2)", [refused.status, refused.code], [409, "limit_reached"]);

  const path = { path: { id: coupon.id } };
  const locked = expectStatus("lock for order-2", await orders.POST("/v1/coupons/{id}/lock", { params: path, body: { orderId: "order-2", orderAmount: 2000 } }), 200);
  same("locked: 20% of 20.00", [locked.coupon.status, locked.discount, locked.payable], ["locked", 400, 1600]);
  const released = expectStatus("release order-2", await orders.POST("/v1/coupons/{id}/release", { params: path, body: { orderId: "order-2" } }), 200);
  same("released: unused again", [released.status, released.orderId], ["unused", null]);

  const used = expectStatus("redeem order-3 in one step", await orders.POST("/v1/coupons/{id}/redeem", { params: path, body: { orderId: "order-3", orderAmount: 2000 } }), 200);
  same("used by order-3", [used.coupon.status, used.coupon.orderId, used.discount, used.payable], ["used", "order-3", 400, 1600]);
  const refunded = expectStatus("refund order-3", await orders.POST("/v1/coupons/{id}/refund", { params: path, body: { orderId: "order-3" } }), 200);
  same("refunded: unused again", [refunded.status, refunded.orderId], ["unused", null]);
  return coupon.id;
}

/** alice's coupons one per page, following nextCursor, then only the used ones. */
async function listMine(alice: Client, campaign: string, usedId: string, unusedId: string): Promise<void> {
  const seen: Coupon[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: { limit: number; cursor?: string } = cursor === null ? { limit: 1 } : { limit: 1, cursor };
    const page = expectStatus(`me/coupons page ${pages + 1}`, await alice.GET("/v1/me/coupons", { params: { query } }), 200);
    if (page.items.length > 1) {
      fail("me/coupons limit=1", `a page has ${page.items.length} items`);
    }

    seen.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 1000);

  const ours = seen.filter((c) => c.campaignId === campaign).map((c) => c.id).sort();
  same("me/coupons: both coupons, one per page", ours, [usedId, unusedId].sort());
  if (pages < 2) {
    fail("me/coupons paging", `${pages} page(s) for ${seen.length} coupons`);
  }

  const used = expectStatus("me/coupons?status=used", await alice.GET("/v1/me/coupons", { params: { query: { status: "used", limit: 50 } } }), 200);
  same("only the used one", used.items.filter((c) => c.campaignId === campaign).map((c) => [c.id, c.status, c.orderId]), [[usedId, "used", "order-1"]]);
}

/** Problems read through the generated error type: its `code` is typed. */
async function problems(alice: Client, usedId: string): Promise<void> {
  const missing = await alice.GET("/v1/coupons/{id}", { params: { path: { id: "00000000-0000-7000-8000-000000000000" } } });
  const notFound = expectProblem("an unknown coupon", missing, 404);
  same("an unknown coupon: 404 coupon_not_found", [notFound.status, notFound.code], [404, "coupon_not_found"]);

  const again = await alice.POST("/v1/coupons/{id}/lock", { params: { path: { id: usedId } }, body: { orderId: "order-9", orderAmount: 5000 } });
  const used = expectProblem("locking a used coupon", again, 409);
  same("locking a used coupon: 409 already_used", [used.status, used.code], [409, "already_used"]);
}

/** The admin routes: alice lists what she can claim, the order system lists her coupons, an admin revokes one. */
async function adminRoutes(admin: Client, alice: Client, orders: Client, campaign: string, unusedId: string): Promise<void> {
  const open = expectStatus("campaigns?status=active", await alice.GET("/v1/campaigns", { params: { query: { status: "active", limit: 200 } } }), 200);
  same("alice sees the campaign open to claims", open.items.some((c) => c.id === campaign), true);
  const all = await alice.GET("/v1/campaigns", { params: { query: {} } });
  same("alice may not list every campaign: 403 forbidden", expectProblem("campaigns without a status", all, 403).code, "forbidden");

  const hers = expectStatus("users/alice/coupons", await orders.GET("/v1/users/{userId}/coupons", { params: { path: { userId: "alice" }, query: { status: "unused" } } }), 200);
  same("the order system sees alice's unused coupon", hers.items.filter((c) => c.campaignId === campaign).map((c) => c.id), [unusedId]);

  const revoked = expectStatus("revoke", await admin.POST("/v1/coupons/{id}/revoke", { params: { path: { id: unusedId } }, body: { reason: "issued by mistake" } }), 200);
  same("revoked", [revoked.status, revoked.orderId], ["revoked", null]);
  const lock = await alice.POST("/v1/coupons/{id}/lock", { params: { path: { id: unusedId } }, body: { orderId: "order-4", orderAmount: 5000 } });
  same("locking a revoked coupon: 409 coupon_revoked", expectProblem("locking a revoked coupon", lock, 409).code, "coupon_revoked");
}

async function main(): Promise<void> {
  const s = settings();
  const [admin, alice, orders] = [clientFor(s.api, s.admin), clientFor(s.api, s.alice), clientFor(s.api, s.orders)];
  const { campaign, coupon } = await walkThrough(admin, alice, orders);
  const second = await secondCoupon(alice, orders, campaign);
  await listMine(alice, campaign, coupon, second);
  await problems(alice, coupon);
  await adminRoutes(admin, alice, orders, campaign, second);

  const stats = expectStatus("stats at the end", await admin.GET("/v1/campaigns/{id}/stats", { params: { path: { id: campaign } } }), 200);
  same("stats at the end", stats, {
    campaignId: campaign, totalStock: 1000, issued: 2, remainingStock: 998, locked: 0, used: 1,
    released: 1, refunded: 1, expired: 0, revoked: 1, rejected: { already_used: 1, limit_reached: 1, coupon_revoked: 1 },
  });
  ok(`campaign ${campaign}`);
}

main().then(finish, (error: unknown) => {
  fail("the run stopped", error instanceof Error ? error.message : String(error));
  finish();
});
