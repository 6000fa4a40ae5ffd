from django.urls import path

from intake import api, views

app_name = "intake"
urlpatterns = [
    path("", views.index_case_list, name="index-case-list"),
    path("<int:pk>/", views.index_case_detail, name="index-case-detail"),
    path("<int:pk>/edit/", views.index_case_edit, name="index-case-edit"),
    path("<int:pk>/contacts/new/", views.index_case_add_contacts, name="index-case-add-contacts"),
    path("new/", views.index_case_new, name="index-case-new"),
    path("new/contact-row/", views.contact_form_row, name="contact-form-row"),
    path("import/", views.contact_import, name="contact-import"),
    path("import/template.csv", views.contact_import_template, name="contact-import-template"),
    path("import/<int:pk>/", views.contact_import_detail, name="contact-import-detail"),
    path("declarations/", views.declaration_list, name="declaration-list"),
    path("declarations/new/", views.declaration_new, name="declaration-new"),
    path(
        "declarations/new/contact-row/",
        views.declaration_contact_row,
        name="declaration-contact-row",
    ),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration-detail"),
    path("duplicates/", views.duplicate_list, name="duplicate-list"),
    path("duplicates/<int:pk>/", views.duplicate_detail, name="duplicate-detail"),
    path("duplicates/<int:pk>/merge/", views.duplicate_merge, name="duplicate-merge"),
    path("duplicates/<int:pk>/dismiss/", views.duplicate_dismiss, name="duplicate-dismiss"),
    path("duplicates/<int:pk>/undo/", views.duplicate_unmerge, name="duplicate-unmerge"),
    path(
        "import/<int:pk>/progress/", views.contact_import_progress, name="contact-import-progress"
    ),
]
api_urlpatterns = [
    path("index-cases/", api.RegisterIndexCaseView.as_view(), name="register-index-case"),
    path("doctor/declarations/", api.DoctorDeclarationsView.as_view(), name="doctor-declarations"),
]
