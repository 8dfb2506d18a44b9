"""whoami, hardware, agent harnesses, and the bucket routes localhub does not emulate."""

from __future__ import annotations

from hfjobs_spec.localhub.common import ApiError, stable_id
from hfjobs_spec.localhub.context import HubContext
from hfjobs_spec.localhub.hardware import HARDWARE
from hfjobs_spec.localhub.wire import Request, Response, json_response

NOT_IMPLEMENTED_MESSAGE = (
    "localhub does not emulate buckets or Xet uploads, which run_uv_job needs to ship a local script; "
    "pass the script as an https URL, inline it in the command, or mount a volume instead"
)


def whoami(ctx: HubContext, request: Request) -> Response:
    """`GET /api/whoami-v2`: the configured user and its orgs."""
    orgs = [
        {"type": "org", "id": stable_id("org", org), "name": org, "fullname": org, "roleInOrg": "admin"}
        for org in ctx.orgs
    ]
    return json_response(
        {
            "type": "user",
            "id": stable_id("user", ctx.user),
            "name": ctx.user,
            "fullname": ctx.user,
            "isPro": False,
            "orgs": orgs,
            "auth": {"type": "access_token", "accessToken": {"displayName": "localhub", "role": "write"}},
        }
    )


def hardware(ctx: HubContext, request: Request) -> Response:
    """`GET /api/jobs/hardware`: the 26 flavors."""
    return json_response([hw.to_json() for hw in HARDWARE])


def agent_harnesses(ctx: HubContext, request: Request) -> Response:
    """`GET /api/agent-harnesses`, fetched by the client when it builds its user-agent."""
    return json_response({"standardEnvVars": [], "harnesses": {}})


def not_implemented(ctx: HubContext, request: Request) -> Response:
    """The bucket/Xet upload routes."""
    raise ApiError(501, NOT_IMPLEMENTED_MESSAGE)
