"""Drives a running AMS with the real Python client, argo-ams-library, the way its users do.

Usage: python ams_library_flow.py HOST:PORT ADMIN_TOKEN
The service must serve TLS with a certificate that REQUESTS_CA_BUNDLE trusts (the client only speaks https).
Exits non-zero with a message on the first mismatch; prints one line per checked step.
"""
import datetime
import sys
import uuid

from argo_ams_library import AmsException, AmsMessage, AmsServiceException, AmsUser, AmsUserProject, ArgoMessagingService

endpoint, admin_token = sys.argv[1], sys.argv[2]
suffix = uuid.uuid4().hex[:8]
project, topic, sub = f"py-{suffix}", f"t-{suffix}", f"s-{suffix}"


def check(label, condition, detail=""):
    if not condition:
        print(f"FAIL {label} {detail}")
        sys.exit(1)
    print(f"ok   {label}")


admin = ArgoMessagingService(endpoint=endpoint, token=admin_token, project=project)
check("status", admin.status().get("status") == "ok")
check("version", "build_time" in admin.version())
admin.create_project(project, "made by the Python client")
check("get_project", admin.get_project(project)["name"] == project)

member = admin.create_project_member(f"pyuser-{suffix}", project=project, roles=["publisher", "consumer"],
                                     email="py@example.org")
check("create_project_member returns a token", len(member.token) == 64)
check("profile", admin.get_user_profile().name == "admin")
page = admin.list_users(page_size=1)
check("list_users paginates", len(page.users) == 1 and page.total_size >= 2 and page.next_page_token != "")
check("list_users follows nextPageToken", len(admin.list_users(page_size=1, next_page_token=page.next_page_token).users) == 1)

created = admin.create_user(AmsUser(name=f"pyother-{suffix}", email="o@example.org",
                                    projects=[AmsUserProject(project=project, roles=["consumer"])]))
check("create_user", created.name == f"pyother-{suffix}")
refreshed = admin.refresh_user_token(f"pyother-{suffix}")
check("refresh_user_token", refreshed.token != created.token)

admin.create_topic(topic)
check("has_topic", admin.has_topic(topic))
check("list_topics", any(t["name"].endswith(f"/topics/{topic}") for t in admin.list_topics()["topics"]))
admin.modifyacl_topic(topic, [member.name])
check("getacl_topic", admin.getacl_topic(topic)["authorized_users"] == [member.name])

admin.create_sub(sub, topic, ackdeadline=30)
check("has_sub", admin.has_sub(sub))
admin.modifyacl_sub(sub, [member.name])
check("getacl_sub", admin.getacl_sub(sub)["authorized_users"] == [member.name])

user = ArgoMessagingService(endpoint=endpoint, token=member.token, project=project)
before = datetime.datetime.utcnow().replace(microsecond=1000) - datetime.timedelta(seconds=2)
ids = user.publish(topic, [AmsMessage(data="hello", attributes={"k": "v"}), AmsMessage(data="world")])
check("publish", ids["messageIds"] == ["0", "1"], ids)

pulled = user.pull_sub(sub, num=5, return_immediately=True)
check("pull_sub", [m.get_data() for _, m in pulled] == [b"hello", b"world"], pulled)
check("message attributes", pulled[0][1].get_attr() == {"k": "v"})
check("message ids", [m.get_msgid() for _, m in pulled] == ["0", "1"])
check("ack_sub", user.ack_sub(sub, [pulled[-1][0]]))
check("nothing left", user.pull_sub(sub, num=5, return_immediately=True) == [])

offsets = admin.getoffsets_sub(sub)
check("getoffsets_sub", offsets == {"max": 2, "min": 0, "current": 2}, offsets)
admin.modifyoffset_sub(sub, 1)
again = user.pullack_sub(sub, num=5, return_immediately=True)
check("modifyoffset_sub + pullack_sub", [m.get_msgid() for m in again] == ["1"], again)
check("time_to_offset_sub", admin.time_to_offset_sub(sub, before) == 0)

admin.pushconfig_sub(sub, push_endpoint="https://receiver.example.org/hook", retry_policy_period=500)
push = admin.get_sub(sub)["pushConfig"]
check("pushconfig_sub", push["pushEndpoint"] == "https://receiver.example.org/hook" and push["retryPolicy"]["period"] == 500, push)
admin.pushconfig_sub(sub)
check("back to pull", admin.get_sub(sub)["pushConfig"]["pushEndpoint"] == "")

try:
    user.publish(f"missing-{suffix}", AmsMessage(data="x"))
    check("publish to a missing topic fails", False)
except AmsServiceException as e:
    check("404 comes back as AmsServiceException", e.code == 404 and "Topic doesn't exist" in e.msg, e.msg)

admin.delete_sub(sub)
admin.delete_topic(topic)
admin.delete_user(f"pyother-{suffix}")
admin.delete_project(project)
try:
    admin.get_project(project)
    check("project deleted", False)
except AmsException:
    check("project deleted", True)
print("python client flow passed")
