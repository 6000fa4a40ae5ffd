import re

from django.contrib.staticfiles import finders
from django.test import TestCase
from drf_spectacular.validation import validate_schema

INTAKE_PATHS = {
    "/api/v1/auth/token/": ("TokenRequest", "200", "Token"),
    "/api/v1/territories/": ("TerritoryInput", "201", "Territory"),
    "/api/v1/agents/": ("AgentInput", "201", "Agent"),
    "/api/v1/index-cases/": ("IndexCaseInput", "201", "IntakeResult"),
}


class SchemaTests(TestCase):
    def test_it_serves_a_valid_openapi_3_document(self):
        response = self.client.get("/api/schema/", {"format": "json"})
        self.assertEqual(response.status_code, 200)
        schema = response.json()
        validate_schema(schema)  # raises on a document that breaks the OpenAPI 3 JSON schema
        self.assertTrue(schema["openapi"].startswith("3."))
        for path, (request_name, success, response_name) in INTAKE_PATHS.items():
            with self.subTest(path=path):
                operation = schema["paths"][path]["post"]
                request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
                self.assertEqual(request_schema, {"$ref": f"#/components/schemas/{request_name}"})
                response_schema = operation["responses"][success]["content"]["application/json"][
                    "schema"
                ]
                self.assertEqual(response_schema, {"$ref": f"#/components/schemas/{response_name}"})
                self.assertIn(request_name, schema["components"]["schemas"])

    def test_it_describes_the_nested_contacts(self):
        schemas = self.client.get("/api/schema/", {"format": "json"}).json()["components"][
            "schemas"
        ]
        contacts = schemas["IndexCaseInput"]["properties"]["contacts"]
        self.assertEqual(contacts["items"], {"$ref": "#/components/schemas/ContactInput"})
        self.assertEqual(set(schemas["IntakeContact"]["properties"]), {"id", "deadline_at"})
        self.assertNotIn("password", schemas["Agent"]["properties"])


class SwaggerUiTests(TestCase):
    def test_it_serves_the_docs_from_our_own_static_files(self):
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        self.assertTrue(urls)
        for url in urls:
            with self.subTest(url=url):
                # No CDN: every asset is ours, the script included (CSP allows only 'self').
                self.assertTrue(url.startswith("/") and not url.startswith("//"), url)
                if url.startswith("/static/"):
                    self.assertIsNotNone(finders.find(url.removeprefix("/static/")), url)
        self.assertNotRegex(html, r"https?://")
        self.assertIn("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", urls)

    def test_it_serves_the_docs_script_itself(self):
        response = self.client.get("/api/docs/", {"script": ""})
        self.assertEqual(response.status_code, 200)
        self.assertIn("/api/schema/", response.content.decode())
