"""The vCenter REST API (/api) and Workload Management, as vCenter 7.0.3 serves them.

`service.VcenterService` composes the parts; `app.RestApp` answers the front
door's /api requests with it.
"""
